using System.Runtime.InteropServices;

namespace ClassSR.Edge.IO;

/// <summary>The libc calls and constants the Linux device nodes (V4L2, framebuffer) are driven with.</summary>
internal static unsafe partial class Libc
{
    const string Library = "libc";

    public const int ProtRead = 1, ProtWrite = 2; // PROT_READ, PROT_WRITE
    public const int MapShared = 1;               // MAP_SHARED: writes must reach the device, not a private copy
    public const nint MapFailed = -1;             // MAP_FAILED

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>glibc: gives the free memory at the top of the heaps (and whole free pages within them) back to the system.</summary>
    [LibraryImport(Library, EntryPoint = "malloc_trim")]
    internal static partial int MallocTrim(nuint pad);

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
