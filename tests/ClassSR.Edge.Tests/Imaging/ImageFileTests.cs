using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Imaging;

public sealed class ImageFileTests : IDisposable
{
    private readonly string _dir = TestImages.TemporaryDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Png_round_trip_is_lossless()
    {
        const int w = 37, h = 21;
        byte[] rgb = TestImages.Synthetic(w, h);
        string path = Path.Combine(_dir, "out.png");
        ImageFile.Save(path, rgb, w, h);
        var (back, bw, bh) = ImageFile.Load(path);
        Assert.Equal((w, h), (bw, bh));
        Assert.Equal(rgb, back);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Theory]
    [InlineData("out.jpg", 95, JpegSubsampling.S444, 35)]
    [InlineData("OUT.JPEG", 80, JpegSubsampling.S420, 25)] // 4:2:0 cannot hold the test image's 3-pixel colour stripes
    public void Jpeg_round_trip_is_close(string name, int quality, JpegSubsampling expected, double minimumPsnr)
    {
        const int w = 120, h = 80;
        byte[] rgb = TestImages.Synthetic(w, h);
        string path = Path.Combine(_dir, name);
        ImageFile.Save(path, rgb, w, h, jpegQuality: quality);

        using (var decoder = new JpegDecoder())
            Assert.Equal(new JpegHeader(w, h, expected), decoder.ReadHeader(File.ReadAllBytes(path)));
        var (back, bw, bh) = ImageFile.Load(path);
        Assert.Equal((w, h), (bw, bh));
        double psnr = Metrics.Psnr(rgb, back);
        Assert.True(psnr > minimumPsnr, $"RGB PSNR {psnr:F2} dB");
    }

    [Fact]
    public void Corrupt_file_error_names_the_file()
    {
        string path = Path.Combine(_dir, "broken.png");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var ex = Assert.Throws<ImageFormatException>(() => ImageFile.Load(path));
        Assert.StartsWith($"cannot decode '{path}': ", ex.Message);
        Assert.Equal(path, ex.Path);
        Assert.DoesNotContain('\n', ex.Message);

        string empty = Path.Combine(_dir, "empty.jpg");
        File.WriteAllBytes(empty, []);
        Assert.Contains(empty, Assert.Throws<ImageFormatException>(() => ImageFile.Load(empty)).Message);
    }

    [Fact]
    public void Missing_file_error_names_the_file()
    {
        string path = Path.Combine(_dir, "nope", "missing.png");
        var ex = Assert.Throws<FileNotFoundException>(() => ImageFile.Load(path));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Unsupported_extension_is_an_argument_error_naming_it()
    {
        var ex = Assert.Throws<ArgumentException>(() => ImageFile.Save(Path.Combine(_dir, "x.bmp"), new byte[12], 2, 2));
        Assert.Contains("'.bmp'", ex.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [SharedDataFact("Set14 (bridge.png, a grey PNG)")]
    public void Grayscale_png_loads_as_rgb()
    {
        string gray = Path.Combine(TestImages.SharedFolder("datasets/test/Set14"), "bridge.png");
        var (rgb, w, h) = ImageFile.Load(gray);
        Assert.Equal(3 * w * h, rgb.Length);
        for (int i = 0; i < rgb.Length; i += 3)
            Assert.True(rgb[i] == rgb[i + 1] && rgb[i] == rgb[i + 2], $"pixel {i / 3} is not grey");
    }

    [Fact]
    public void A_jpeg_whose_first_segment_runs_past_the_end_is_refused_not_decoded_for_ever()
    {
        // Found by the parser fuzzing: stb_image looped on this. JPEG files now go through libturbojpeg.
        string dir = TestImages.TemporaryDirectory();
        string good = Path.Combine(dir, "good.jpg");
        ImageFile.Save(good, TestImages.Synthetic(24, 16), 24, 16, 80);
        var bytes = File.ReadAllBytes(good);
        Assert.Equal(0xE0, bytes[3]); // APP0
        bytes[4] = 0x01;
        bytes[5] = 0x01;             // a 257-byte segment in a file cut to 208 bytes
        string bad = Path.Combine(dir, "bad.jpg");
        File.WriteAllBytes(bad, bytes[..208]);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<ImageFormatException>(() => ImageFile.Load(bad));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        Assert.StartsWith($"cannot decode '{bad}': ", e.Message);
        // And a good JPEG still loads, at its size.
        var (_, w, h) = ImageFile.Load(good);
        Assert.Equal((24, 16), (w, h));
    }

    [Fact]
    public void A_jpeg_behind_fill_bytes_and_files_of_no_known_signature_are_refused_at_once()
    {
        // Found by the million-input fuzz run: stb_image took FF FF D8 ... for a JPEG and looped on these 12 bytes.
        string dir = TestImages.TemporaryDirectory();
        string filled = Path.Combine(dir, "filled.jpg");
        File.WriteAllBytes(filled, [0xFF, 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0xD8, 0xFF, 0xE0, 0x00, 0x10]);
        string text = Path.Combine(dir, "notes.png");
        File.WriteAllText(text, "not an image at all");
        foreach (string bad in new[] { filled, text })
        {
            var e = Assert.Throws<ImageFormatException>(() => ImageFile.Load(bad));
            Assert.Equal($"cannot decode '{bad}': not a PNG, JPEG or BMP file", e.Message);
        }
    }

    [Fact]
    public void A_png_chunk_longer_than_the_file_is_refused_before_anything_is_allocated_for_it()
    {
        // Found by the million-input fuzz run: an IDAT length of 0x34000199 in a 466-byte file, and stb_image
        // allocated 1.8 GB for it before finding the file short.
        string dir = TestImages.TemporaryDirectory();
        string good = Path.Combine(dir, "good.png");
        ImageFile.Save(good, TestImages.Synthetic(24, 16), 24, 16);
        var bytes = File.ReadAllBytes(good);
        int idat = 8 + 12 + 13; // the signature, then IHDR (13 bytes of data)
        Assert.Equal("IDAT", System.Text.Encoding.ASCII.GetString(bytes, idat + 4, 4));
        bytes[idat] = 0x34;
        string bad = Path.Combine(dir, "bad.png");
        File.WriteAllBytes(bad, bytes);
        // This thread's allocations only: tests of other classes run beside this one and allocate too.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageFormatException>(() => ImageFile.Load(bad));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the refusal allocates next to nothing");
        Assert.Matches($"^cannot decode '{System.Text.RegularExpressions.Regex.Escape(bad)}': PNG chunk 'IDAT' declares [0-9]+ bytes, the file has [0-9]+ left$", e.Message);
        var (_, w, h) = ImageFile.Load(good);
        Assert.Equal((24, 16), (w, h));
    }
}
