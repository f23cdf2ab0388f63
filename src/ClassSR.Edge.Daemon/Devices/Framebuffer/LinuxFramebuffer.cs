using System.Runtime.InteropServices;

namespace ClassSR.Edge.Daemon.Devices.Framebuffer;

/// <summary>A /dev/fbN device: opened read-write, both screen infos read once, smem_len mapped shared.</summary>
public sealed unsafe partial class LinuxFramebuffer : IFramebufferDevice
{
    const int OpenReadWrite = 2;          // O_RDWR
    const int OpenCloseOnExec = 0x80000;  // O_CLOEXEC (the same on x86-64 and arm64)
    const int ProtRead = 1, ProtWrite = 2; // PROT_READ, PROT_WRITE
    const int MapShared = 1;               // MAP_SHARED: writes must reach the device, not a private copy
    static readonly nint MapFailed = -1;   // MAP_FAILED

    int _fd;
    byte* _memory;
    readonly nuint _length;

    /// <exception cref="IOException">The device cannot be opened, is not a framebuffer, or cannot be mapped.</exception>
    public LinuxFramebuffer(string path)
    {
        Name = path;
        _fd = Open(path, OpenReadWrite | OpenCloseOnExec);
        if (_fd < 0)
            throw Failure($"cannot open {path}");
        try
        {
            FbVarScreenInfo v;
            FbFixScreenInfo f;
            if (Ioctl(_fd, Fb.IoctlGetVarScreenInfo, &v) < 0 || Ioctl(_fd, Fb.IoctlGetFixScreenInfo, &f) < 0)
                throw Failure($"{path} is not a framebuffer (FBIOGET_*SCREENINFO failed)");
            (Variable, Fixed) = (v, f);
            _length = f.SmemLen;
            var p = Mmap(null, _length, ProtRead | ProtWrite, MapShared, _fd, 0);
            if (p == MapFailed)
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
            Munmap(_memory, _length);
            _memory = null;
        }
        if (_fd >= 0)
        {
            Close(_fd);
            _fd = -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    // ioctl is variadic in C; on Linux a pointer passed as the third argument travels as in a fixed signature.
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
