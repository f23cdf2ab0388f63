using System.Runtime.InteropServices;

namespace ClassSR.Edge.IO.Framebuffer;

/// <summary>A /dev/fbN device: opened read-write, both screen infos read once, smem_len mapped shared.</summary>
public sealed unsafe class LinuxFramebuffer : IFramebufferDevice
{

    int _fd;
    byte* _memory;
    readonly nuint _length;

    /// <exception cref="IOException">The device cannot be opened, is not a framebuffer, or cannot be mapped.</exception>
    public LinuxFramebuffer(string path)
    {
        Name = path;
        _fd = Libc.Open(path, V4l2.Errno.ORdWr | V4l2.Errno.OCloExec);
        if (_fd < 0)
            throw Failure($"cannot open {path}");
        try
        {
            FbVarScreenInfo v;
            FbFixScreenInfo f;
            if (Libc.Ioctl(_fd, Fb.IoctlGetVarScreenInfo, &v) < 0 || Libc.Ioctl(_fd, Fb.IoctlGetFixScreenInfo, &f) < 0)
                throw Failure($"{path} is not a framebuffer (FBIOGET_*SCREENINFO failed)");
            (Variable, Fixed) = (v, f);
            _length = f.SmemLen;
            var p = Libc.Mmap(0, _length, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, _fd, 0);
            if (p == Libc.MapFailed)
                throw Failure($"cannot map {f.SmemLen} bytes of {path}");
            _memory = (byte*)p;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }
    public FbVarScreenInfo Variable { get; }
    public FbFixScreenInfo Fixed { get; }
    public Span<byte> Memory => _memory is null ? throw new ObjectDisposedException(Name) : new Span<byte>(_memory, (int)_length);

    static IOException Failure(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    public void Dispose()
    {
        if (_memory != null)
        {
            Libc.Munmap((nint)_memory, _length);
            _memory = null;
        }
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
