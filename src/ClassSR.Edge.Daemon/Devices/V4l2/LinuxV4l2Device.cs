using System.Runtime.InteropServices;

namespace ClassSR.Edge.Daemon.Devices.V4l2;

/// <summary>A real device node through libc.</summary>
public sealed unsafe partial class LinuxV4l2Device : IV4l2Device
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
        const int ProtRead = 1, ProtWrite = 2, MapShared = 1;
        address = Libc.Mmap(0, (nuint)length, ProtRead | ProtWrite, MapShared, _fd, (nint)offset);
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
        var fd = new PollFd { Fd = _fd, Events = events };
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

    [StructLayout(LayoutKind.Sequential)]
    struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    static partial class Libc
    {
        const string Library = "libc";

        [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags);

        [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);

        // ioctl is variadic; on arm64 and x86-64 Linux a pointer passed as the third argument travels exactly
        // as a named one would.
        [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int Ioctl(int fd, nuint request, void* argument);

        [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
        internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
        internal static partial int Munmap(nint address, nuint length);

        [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
        internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

        [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
        internal static partial nint Write(int fd, byte* data, nuint count);
    }
}
