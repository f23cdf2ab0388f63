using StbImageSharp;
using StbImageWriteSharp;

namespace ClassSR.Edge.Imaging;

/// <summary>Reads and writes image files as interleaved RGB24 (the file boundary; not a per-frame path).</summary>
public static class ImageFile
{
    /// <summary>Decodes a PNG, JPEG or BMP, told by its signature, to RGB24; grayscale is replicated to RGB.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageFormatException">The file cannot be read or decoded; the message names it.</exception>
    public static (byte[] Rgb, int Width, int Height) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"cannot read '{path}': no such file", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ImageFormatException.ForFile(path, e.Message, e);
        }

        if (data.Length == 0)
            throw ImageFormatException.ForFile(path, "file is empty");

        // JPEG through libturbojpeg, as camera frames are: stb_image's JPEG reader loops for ever on some damaged files
        // (one with an APP0 segment longer than the file, found by the parser fuzzing tests). Only PNG and BMP, by
        // their signatures, reach stb_image: it also takes a JPEG behind fill bytes (FF FF D8 ...), and looped on a
        // 12-byte one of those, and it would guess at formats we do not claim to read.
        if (data.Length >= 2 && data[0] == 0xFF && data[1] == 0xD8)
            return LoadJpeg(path, data);
        bool png = IsPng(data);
        if (!png && !IsBmp(data))
            throw ImageFormatException.ForFile(path, "not a PNG, JPEG or BMP file");
        if (png && OverlongChunk(data) is { } chunk)
            throw ImageFormatException.ForFile(path, chunk);
        if (DeclaredSize(data, png) is { } size && (long)size.Width * size.Height > MaxPixels)
            throw ImageFormatException.ForFile(path, $"{size.Width}x{size.Height} is larger than {MaxPixels / (1024 * 1024)} megapixels");

        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(data, StbImageSharp.ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stb_image reports terse reasons ("unknown image type", "bad png sig") through whatever it throws.
            throw ImageFormatException.ForFile(path, string.IsNullOrEmpty(e.Message) ? e.GetType().Name : e.Message, e);
        }

        if (image is null || image.Data is null || image.Width < 1 || image.Height < 1)
            throw ImageFormatException.ForFile(path, "decoder returned no image");
        long expected = 3L * image.Width * image.Height;
        if (image.Data.Length < expected)
            throw ImageFormatException.ForFile(path, $"decoder returned {image.Data.Length} bytes for {image.Width}x{image.Height}");
        return (image.Data, image.Width, image.Height);
    }

    /// <summary>Decoded images are refused above this many pixels: a damaged header must not ask for gigabytes.</summary>
    public const long MaxPixels = 16L * 1024 * 1024;

    static bool IsPng(byte[] d) => d.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

    /// <summary>
    /// The first PNG chunk that says it is longer than what is left of the file, or null. stb_image sizes its buffer
    /// from that length before reading: a 466-byte file whose IDAT says 872 MB made it allocate 1.8 GB.
    /// </summary>
    static string? OverlongChunk(byte[] d)
    {
        for (long pos = 8; pos + 8 <= d.Length;)
        {
            uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan((int)pos));
            string type = System.Text.Encoding.ASCII.GetString(d, (int)pos + 4, 4);
            long left = d.Length - pos - 12; // after the length, type and CRC
            if (length > left)
                return $"PNG chunk '{new string([.. type.Select(c => char.IsAsciiLetter(c) ? c : '?')])}' declares {length} bytes, the file has {Math.Max(left, 0)} left";
            if (type == "IEND")
                return null;
            pos += 12 + length;
        }
        return null;
    }

    static bool IsBmp(byte[] d) => d.Length >= 2 && d[0] == (byte)'B' && d[1] == (byte)'M';

    /// <summary>The size a PNG (IHDR) or BMP (info header) declares, read before decoding; null for other formats.</summary>
    static (long Width, long Height)? DeclaredSize(byte[] d, bool png)
    {
        if (png)
            return d.Length >= 24
                ? (System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(16)),
                    System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(20)))
                : null;
        if (d.Length >= 26 && IsBmp(d))
            return (Math.Abs((long)System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(18))),
                Math.Abs((long)System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(22))));
        return null;
    }

    static (byte[] Rgb, int Width, int Height) LoadJpeg(string path, byte[] data)
    {
        using var decoder = new JpegDecoder();
        try
        {
            var header = decoder.ReadHeader(data);
            if ((long)header.Width * header.Height > MaxPixels)
                throw ImageFormatException.ForFile(path, $"{header.Width}x{header.Height} is larger than {MaxPixels / (1024 * 1024)} megapixels");
            var rgb = new byte[3 * header.Width * header.Height];
            decoder.DecodeRgb(data, rgb);
            return (rgb, header.Width, header.Height);
        }
        catch (ImageFormatException e) when (e.Path is null)
        {
            throw ImageFormatException.ForFile(path, e.Message.Replace("cannot decode JPEG: ", "", StringComparison.Ordinal), e);
        }
    }

    /// <summary>
    /// Writes RGB24 by extension: .png (lossless), .jpg/.jpeg (TurboJPEG at <paramref name="jpegQuality"/>; 4:4:4
    /// from quality 90 up, 4:2:0 below, as ImageMagick does: asking for high quality should not halve colour resolution).
    /// Written to a temporary file then moved, so a failed write never leaves a truncated image behind.
    /// </summary>
    /// <exception cref="ArgumentException">The extension is none of those.</exception>
    public static void Save(string path, ReadOnlySpan<byte> rgb, int width, int height, int jpegQuality = 92)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        long needed = 3L * width * height;
        if (rgb.Length < needed)
            throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes, {width}x{height} needs {needed}", nameof(rgb));

        string extension = Path.GetExtension(path).ToLowerInvariant();
        bool jpeg = extension is ".jpg" or ".jpeg";
        if (!jpeg && extension != ".png")
            throw new ArgumentException($"cannot write '{path}': unsupported extension '{extension}' (use .png, .jpg or .jpeg)", nameof(path));

        string temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                if (jpeg)
                {
                    using var encoder = new JpegEncoder();
                    var subsampling = jpegQuality >= 90 ? JpegSubsampling.S444 : JpegSubsampling.S420;
                    encoder.EncodeRgb(rgb, width, height, jpegQuality, subsampling);
                    stream.Write(encoder.Encoded);
                }
                else
                {
                    WritePng(stream, rgb, width, height);
                }
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            // Named by the file asked for, not the temporary one it goes through.
            throw new IOException($"cannot write '{path}': {WriteReason(e, path)}", e);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static unsafe void WritePng(Stream stream, ReadOnlySpan<byte> rgb, int width, int height)
    {
        var writer = new ImageWriter();
        fixed (byte* data = rgb)
            writer.WritePng(data, width, height, StbImageWriteSharp.ColorComponents.RedGreenBlue, stream);
    }

    private static string WriteReason(Exception e, string path) => e switch
    {
        _ when Directory.Exists(path) => "it is a directory",
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => $"no such directory '{Path.GetDirectoryName(Path.GetFullPath(path))}'",
        PathTooLongException => "the path is too long",
        _ => e.Message.Replace(path + ".tmp", path, StringComparison.Ordinal).TrimEnd('.'),
    };

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
