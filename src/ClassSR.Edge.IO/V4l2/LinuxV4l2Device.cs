using System.Runtime.InteropServices;

namespace ClassSR.Edge.IO.V4l2;

/// <summary>A real device node through libc.</summary>
public sealed unsafe class LinuxV4l2Device : IV4l2Device
{
    int _fd = -1;

    public int Open(string path, int flags)
    {
        // The structs are laid out for 64-bit kernels; on a 32-bit process every ioctl number would be wrong.
        if (IntPtr.Size != 8)
            return Errno.ENOTTY;
        Close();
        int fd = Libc.Open(path, flags);
        if (fd < 0)
            return Marshal.GetLastPInvokeError();
        _fd = fd;
        return 0;
    }

    public int Ioctl<T>(uint request, ref T argument) where T : unmanaged
    {
        if (sizeof(T) != V4l2Abi.IocSize(request))
            throw new ArgumentException($"ioctl 0x{request:X8} takes {V4l2Abi.IocSize(request)} bytes, not {sizeof(T)}");
        fixed (T* arg = &argument)
        {
            while (true)
            {
                if (Libc.Ioctl(_fd, request, arg) >= 0)
                    return 0;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    return errno;
            }
        }
    }

    public int Map(uint offset, int length, out nint address)
    {
        address = Libc.Mmap(0, (nuint)length, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, _fd, (nint)offset);
        if (address == -1)
        {
            address = 0;
            return Marshal.GetLastPInvokeError();
        }
        return 0;
    }

    public void Unmap(nint address, int length)
    {
        if (address != 0)
            Libc.Munmap(address, (nuint)length);
    }

    public int Poll(short events, int timeoutMs, out short revents)
    {
        var fd = new Libc.PollFd { Fd = _fd, Events = events };
        int n = Libc.Poll(&fd, 1, timeoutMs);
        revents = n > 0 ? fd.Revents : (short)0;
        return n < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    public int Write(ReadOnlySpan<byte> data, out int written)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                nint n = Libc.Write(_fd, p, (nuint)data.Length);
                if (n >= 0)
                {
                    written = (int)n;
                    return 0;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    written = 0;
                    return errno;
                }
            }
        }
    }

    public void Close()
    {
        if (_fd >= 0)
            Libc.Close(_fd);
        _fd = -1;
    }

    public void Dispose() => Close();
}
