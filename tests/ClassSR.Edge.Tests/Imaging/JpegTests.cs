using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Imaging;

public class JpegTests
{
    [Theory]
    [InlineData(128, 96, ColorRange.Full)]
    [InlineData(127, 95, ColorRange.Limited)] // odd sizes take libjpeg's padded-MCU path; limited gets remapped both ways
    public void I420_round_trip_keeps_psnr_above_35_db(int w, int h, ColorRange range)
    {
        byte[] rgb = TestImages.Synthetic(w, h);
        var frame = new YuvFrame(w, h, range);
        ColorConvert.RgbToYuv(rgb, w, h, frame);

        using var encoder = new JpegEncoder();
        int length = encoder.EncodeI420(frame, 90);
        Assert.Equal(length, encoder.Encoded.Length);
        Assert.True(encoder.Encoded[0] == 0xFF && encoder.Encoded[1] == 0xD8, "not a JPEG SOI marker");

        using var decoder = new JpegDecoder();
        JpegHeader header = decoder.ReadHeader(encoder.Encoded);
        Assert.Equal(new JpegHeader(w, h, JpegSubsampling.S420), header);

        var decoded = new YuvFrame(w, h, range);
        decoder.DecodeI420(encoder.Encoded, decoded);
        Assert.Equal(range, decoded.Range);
        Assert.Null(decoder.LastWarning);

        double psnr = Metrics.PsnrY(frame.Y, decoded.Y, w, h, 0);
        Assert.True(psnr > 35, $"luma PSNR {psnr:F2} dB");
        Assert.True(Metrics.Psnr(frame.U, decoded.U) > 35, "Cb drifted");
        Assert.True(Metrics.Psnr(frame.V, decoded.V) > 35, "Cr drifted");

        // Through RGB as a viewer would see it: a limited frame must not come out washed out. The reference is
        // the frame's own RGB (libjpeg upsamples chroma with the same triangle filter), so 4:2:0 loss is not counted.
        var viewed = new byte[3 * w * h];
        decoder.DecodeRgb(encoder.Encoded, viewed);
        var shown = new byte[3 * w * h];
        ColorConvert.YuvToRgb(frame, shown, ChromaUpsampling.Bilinear);
        double rgbPsnr = Metrics.Psnr(shown, viewed);
        Assert.True(rgbPsnr > 35, $"RGB PSNR {rgbPsnr:F2} dB");
    }

    [Fact]
    public void Rgb_round_trip_keeps_psnr_above_35_db()
    {
        const int w = 160, h = 120;
        byte[] rgb = TestImages.Synthetic(w, h);
        using var encoder = new JpegEncoder();
        using var decoder = new JpegDecoder();
        encoder.EncodeRgb(rgb, w, h, 95, JpegSubsampling.S444);

        var back = new byte[rgb.Length];
        JpegHeader header = decoder.DecodeRgb(encoder.Encoded, back);
        Assert.Equal(new JpegHeader(w, h, JpegSubsampling.S444), header);
        double psnr = Metrics.Psnr(rgb, back);
        Assert.True(psnr > 35, $"RGB PSNR {psnr:F2} dB");

        // 4:4:4 is not I420, so DecodeI420 goes through RGB; the result must still be the same picture.
        var frame = new YuvFrame(w, h);
        decoder.DecodeI420(encoder.Encoded, frame);
        var expected = new YuvFrame(w, h);
        ColorConvert.RgbToYuv(rgb, w, h, expected);
        Assert.True(Metrics.PsnrY(expected.Y, frame.Y, w, h, 0) > 35);
    }

    [Fact]
    public void Grayscale_jpeg_decodes_to_neutral_chroma()
    {
        // EncodeRgb refuses Gray; make one by encoding a gray image and checking the colour path stays neutral instead.
        const int w = 64, h = 64;
        var rgb = new byte[3 * w * h];
        for (int i = 0; i < w * h; i++)
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte)(i % 251);
        using var encoder = new JpegEncoder();
        encoder.EncodeRgb(rgb, w, h, 90);
        using var decoder = new JpegDecoder();
        var frame = new YuvFrame(w, h, ColorRange.Full);
        decoder.DecodeI420(encoder.Encoded, frame);
        Assert.All(frame.U, u => Assert.InRange(u, 126, 130));
        Assert.All(frame.V, v => Assert.InRange(v, 126, 130));
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.EncodeRgb(rgb, w, h, 90, JpegSubsampling.Gray));
    }

    [Fact]
    public void Per_frame_encode_and_decode_allocate_nothing()
    {
        const int w = 320, h = 240;
        var frame = new YuvFrame(w, h);
        ColorConvert.RgbToYuv(TestImages.Synthetic(w, h), w, h, frame);
        var decoded = new YuvFrame(w, h);
        using var encoder = new JpegEncoder();
        using var decoder = new JpegDecoder();
        Assert.Equal(0, Allocations.Steady(() =>
        {
            encoder.EncodeI420(frame, 85);
            decoder.DecodeI420(encoder.Encoded, decoded);
        }));
    }

    [Fact]
    public void Encoder_follows_frame_size_changes()
    {
        using var encoder = new JpegEncoder();
        using var decoder = new JpegDecoder();
        foreach (var (w, h) in new[] { (16, 16), (640, 360), (33, 17) })
        {
            var frame = new YuvFrame(w, h, ColorRange.Full);
            Array.Fill(frame.Y, (byte)200);
            Array.Fill(frame.U, (byte)128);
            Array.Fill(frame.V, (byte)128);
            encoder.EncodeI420(frame, 75);
            Assert.Equal(new JpegHeader(w, h, JpegSubsampling.S420), decoder.ReadHeader(encoder.Encoded));
        }
    }

    [Fact]
    public void Corrupt_data_raises_image_format_exception()
    {
        using var decoder = new JpegDecoder();
        var ex = Assert.Throws<ImageFormatException>(() => decoder.ReadHeader(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.StartsWith("cannot decode JPEG: ", ex.Message);
        Assert.Throws<ImageFormatException>(() => decoder.ReadHeader(ReadOnlySpan<byte>.Empty));

        var frame = new YuvFrame(8, 8);
        using var encoder = new JpegEncoder();
        encoder.EncodeI420(frame, 80);
        Assert.Throws<ArgumentException>(() => decoder.DecodeI420(encoder.Encoded, new YuvFrame(16, 8)));
    }

    [Fact]
    public void A_corrupt_image_does_not_spoil_the_decoder_for_the_next()
    {
        // A damaged MJPEG frame (a start marker, then noise) must cost that frame only, not the camera's stream.
        var frame = new YuvFrame(64, 48);
        using var encoder = new JpegEncoder();
        encoder.EncodeI420(frame, 90);
        byte[] good = encoder.Encoded.ToArray();
        byte[] noise = new byte[1000];
        noise[0] = 0xFF;
        noise[1] = 0xD8;
        for (int i = 2; i < noise.Length; i++)
            noise[i] = (byte)(i * 131 >> 3);

        using var decoder = new JpegDecoder();
        for (int round = 0; round < 3; round++)
        {
            Assert.Throws<ImageFormatException>(() => decoder.DecodeI420(noise, new YuvFrame(64, 48)));
            decoder.DecodeI420(good, new YuvFrame(64, 48));
            Assert.Null(decoder.LastWarning);
        }
    }

    [Fact]
    public void Truncated_stream_still_decodes_with_a_warning()
    {
        // MJPEG cameras do send short frames; the decodable part is better than a dropped frame.
        const int w = 128, h = 128;
        var frame = new YuvFrame(w, h, ColorRange.Full);
        ColorConvert.RgbToYuv(TestImages.Synthetic(w, h), w, h, frame);
        using var encoder = new JpegEncoder();
        encoder.EncodeI420(frame, 90);
        byte[] truncated = encoder.Encoded[..(encoder.Encoded.Length * 2 / 3)].ToArray();

        using var decoder = new JpegDecoder();
        var decoded = new YuvFrame(w, h, ColorRange.Full);
        decoder.DecodeI420(truncated, decoded);
        Assert.NotNull(decoder.LastWarning);
        Assert.True(Metrics.Psnr(frame.Y.AsSpan(0, w * 32), decoded.Y.AsSpan(0, w * 32)) > 35, "top rows should be intact");
    }

    [Fact]
    public void Disposed_codec_refuses_work()
    {
        var encoder = new JpegEncoder();
        encoder.Dispose();
        encoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => encoder.EncodeI420(new YuvFrame(8, 8), 80));
        var decoder = new JpegDecoder();
        decoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => decoder.ReadHeader(new byte[] { 0xFF, 0xD8 }));
    }
}
