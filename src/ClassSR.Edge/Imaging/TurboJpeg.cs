using System.Reflection;
using System.Runtime.InteropServices;

namespace ClassSR.Edge.Imaging;

/// <summary>Chroma subsampling of an encoded JPEG (values are TurboJPEG's TJSAMP_*).</summary>
public enum JpegSubsampling
{
    /// <summary>Sampling factors TurboJPEG has no name for; decodable, but only through RGB.</summary>
    Unknown = -1,
    S444 = 0,
    S422 = 1,
    S420 = 2,
    Gray = 3,
    S440 = 4,
    S411 = 5,
}

/// <summary>
/// libturbojpeg (TurboJPEG 2.x API). Native AOT builds of the CLI bind these statically
/// (DirectPInvoke + libturbojpeg.a); everything else loads the shared library at first use.
/// </summary>
internal static unsafe partial class TurboJpeg
{
    private const string Library = "turbojpeg";

    internal const int PixelFormatRgb = 0; // TJPF_RGB
    internal const int FlagNoRealloc = 1024; // TJFLAG_NOREALLOC
    internal const int ErrorWarning = 0; // TJERR_WARNING

    static TurboJpeg()
    {
        // The bare "turbojpeg" name probes for libturbojpeg.so, which only the -dev package installs;
        // a board with just the runtime package has libturbojpeg.so.0.
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(TurboJpeg).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Someone else in this assembly registered a resolver first; the default probing still applies.
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
            return IntPtr.Zero;
        if (NativeLibrary.TryLoad(name, assembly, searchPath, out IntPtr handle))
            return handle;
        return NativeLibrary.TryLoad("libturbojpeg.so.0", assembly, searchPath, out handle) ? handle : IntPtr.Zero;
    }

    [LibraryImport(Library)]
    internal static partial nint tjInitCompress();

    [LibraryImport(Library)]
    internal static partial nint tjInitDecompress();

    [LibraryImport(Library)]
    internal static partial int tjDestroy(nint handle);

    [LibraryImport(Library)]
    internal static partial CULong tjBufSize(int width, int height, int jpegSubsamp);

    [LibraryImport(Library)]
    internal static partial int tjCompress2(
        nint handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat,
        byte** jpegBuf, CULong* jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(Library)]
    internal static partial int tjCompressFromYUVPlanes(
        nint handle, byte** srcPlanes, int width, int* strides, int height, int subsamp,
        byte** jpegBuf, CULong* jpegSize, int jpegQual, int flags);

    [LibraryImport(Library)]
    internal static partial int tjDecompressHeader3(
        nint handle, byte* jpegBuf, CULong jpegSize, int* width, int* height, int* jpegSubsamp, int* jpegColorspace);

    [LibraryImport(Library)]
    internal static partial int tjDecompress2(
        nint handle, byte* jpegBuf, CULong jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    internal static partial int tjDecompressToYUVPlanes(
        nint handle, byte* jpegBuf, CULong jpegSize, byte** dstPlanes, int width, int* strides, int height, int flags);

    [LibraryImport(Library)]
    internal static partial byte* tjGetErrorStr2(nint handle);

    [LibraryImport(Library)]
    internal static partial int tjGetErrorCode(nint handle);

    internal static string ErrorText(nint handle)
    {
        byte* text = tjGetErrorStr2(handle);
        return text == null ? "unknown TurboJPEG error" : Marshal.PtrToStringUTF8((IntPtr)text) ?? "unknown TurboJPEG error";
    }

    /// <summary>
    /// Copies an odd-sized frame's Y into a plane padded to even width and height (edge replicated), the luma
    /// size TurboJPEG's 4:2:0 plane functions read and write. Grows <paramref name="plane"/> only when too small.
    /// </summary>
    /// <returns>The padded plane's stride.</returns>
    internal static int EvenLumaPlane(YuvFrame frame, ref byte[] plane)
    {
        int w = frame.Width, h = frame.Height;
        int stride = (w + 1) & ~1, rows = (h + 1) & ~1;
        if (plane.Length < stride * rows)
            plane = GC.AllocateUninitializedArray<byte>(stride * rows);
        ReadOnlySpan<byte> src = frame.Y;
        Span<byte> dst = plane;
        for (int y = 0; y < rows; y++)
        {
            Span<byte> row = dst.Slice(y * stride, stride);
            src.Slice(Math.Min(y, h - 1) * w, w).CopyTo(row);
            if (stride > w)
                row[w] = row[w - 1];
        }
        return stride;
    }

    internal static int BufferSize(int width, int height, JpegSubsampling subsampling)
    {
        ulong size = tjBufSize(width, height, (int)subsampling).Value;
        if (size == unchecked((ulong)-1) || size == uint.MaxValue || size > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(width), $"cannot size a JPEG buffer for {width}x{height}");
        return (int)size;
    }
}
