namespace ClassSR.Edge.IO.V4l2;

/// <summary>The capture formats the daemon's camera source converts from.</summary>
public enum V4l2PixelFormat { Yuyv, Nv12, Mjpeg }

/// <summary>
/// One open V4L2 device node, at the level of the system calls: every method returns 0 or an errno, as the
/// kernel would, so the same driver code runs against a real node (<see cref="LinuxV4l2Device"/>) and the
/// simulated twin (<see cref="SimulatedV4l2Device"/>). One node at a time: Open after Close reopens.
/// </summary>
public interface IV4l2Device : IDisposable
{
    /// <param name="flags">open(2) flags (<see cref="Errno.ORdWr"/> and friends).</param>
    int Open(string path, int flags);

    /// <summary>ioctl(2) with a struct argument; the struct's size must be the one the request number encodes.</summary>
    int Ioctl<T>(uint request, ref T argument) where T : unmanaged;

    /// <summary>mmap(2) of a driver buffer (shared, read and write) at the cookie VIDIOC_QUERYBUF gave.</summary>
    int Map(uint offset, int length, out nint address);

    void Unmap(nint address, int length);

    /// <summary>poll(2) on the node; <paramref name="revents"/> is 0 when the timeout passed.</summary>
    int Poll(short events, int timeoutMs, out short revents);

    /// <summary>write(2): for v4l2loopback, one call is one frame.</summary>
    int Write(ReadOnlySpan<byte> data, out int written);

    void Close();
}

/// <summary>The errno, open flag and poll values the V4L2 code uses (asm-generic, same on arm64 and x86-64).</summary>
public static class Errno
{
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;

    public const int ORdWr = 0x2;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    /// <summary>strerror, without allocating a lookup table of our own.</summary>
    public static string Text(int errno) => System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
}

/// <summary>The steps the capture source and the loopback sink share.</summary>
public static class V4l2Node
{
    public static void Check(string path, string call, int errno)
    {
        if (errno != 0)
            throw new V4l2Exception(path, call, errno);
    }

    /// <summary>Opens <paramref name="path"/> non-blocking and asks what it is; the caller closes the device on any failure.</summary>
    /// <exception cref="IOException">Missing, not openable, or not a V4L2 device at all (ENOTTY), named as such.</exception>
    public static V4l2Capability Open(IV4l2Device device, string path)
    {
        Check(path, "open", device.Open(path, Errno.ORdWr | Errno.ONonBlock | Errno.OCloExec));
        var cap = default(V4l2Capability);
        int err = device.Ioctl(V4l2Abi.VIDIOC_QUERYCAP, ref cap);
        if (err == Errno.ENOTTY)
            throw new IOException($"{path}: not a V4L2 device");
        Check(path, "VIDIOC_QUERYCAP", err);
        return cap;
    }
}

/// <summary>A V4L2 call failed; the message names the device, the call and the reason.</summary>
public sealed class V4l2Exception(string path, string call, int errno)
    : IOException($"{path}: {call}: {Errno.Text(errno)}");
