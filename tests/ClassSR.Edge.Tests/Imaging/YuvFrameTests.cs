using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Imaging;

public class YuvFrameTests
{
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(4, 2, 2, 1)]
    [InlineData(5, 3, 3, 2)]
    [InlineData(640, 480, 320, 240)]
    public void Chroma_planes_round_up(int w, int h, int cw, int ch)
    {
        var f = new YuvFrame(w, h);
        Assert.Equal((cw, ch), (f.ChromaWidth, f.ChromaHeight));
        Assert.Equal(w * h, f.Y.Length);
        Assert.Equal(cw * ch, f.U.Length);
        Assert.Equal(cw * ch, f.V.Length);
        Assert.Equal(ColorRange.Limited, f.Range);
    }

    [Fact]
    public void Rejects_empty_size()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new YuvFrame(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new YuvFrame(4, -1));
    }

    [Fact]
    public void CopyTo_copies_planes_and_range()
    {
        var a = Patterned(7, 5);
        a.Range = ColorRange.Full;
        var b = new YuvFrame(7, 5);
        a.CopyTo(b);
        Assert.Equal(a.Y, b.Y);
        Assert.Equal(a.U, b.U);
        Assert.Equal(a.V, b.V);
        Assert.Equal(ColorRange.Full, b.Range);
        Assert.Throws<ArgumentException>(() => a.CopyTo(new YuvFrame(6, 5)));
    }

    [Theory]
    [InlineData(8, 6, 0, 0)]
    [InlineData(7, 5, 0, 0)]
    [InlineData(7, 5, 16, 12)] // padded rows, as V4L2 bytesperline gives
    public void FromNv12_deinterleaves_chroma(int w, int h, int yStride, int uvStride)
    {
        var expected = Patterned(w, h);
        int ys = yStride == 0 ? w : yStride, uvs = uvStride == 0 ? 2 * expected.ChromaWidth : uvStride;
        var nv12 = new byte[ys * h + uvs * expected.ChromaHeight];
        Array.Fill(nv12, (byte)0xEE); // padding must be ignored
        for (int y = 0; y < h; y++)
            expected.Y.AsSpan(y * w, w).CopyTo(nv12.AsSpan(y * ys));
        for (int y = 0; y < expected.ChromaHeight; y++)
        {
            for (int x = 0; x < expected.ChromaWidth; x++)
            {
                nv12[ys * h + y * uvs + 2 * x] = expected.U[y * expected.ChromaWidth + x];
                nv12[ys * h + y * uvs + 2 * x + 1] = expected.V[y * expected.ChromaWidth + x];
            }
        }

        var frame = new YuvFrame(w, h, ColorRange.Full);
        YuvFrame.FromNv12(nv12, frame, yStride, uvStride);

        Assert.Equal(expected.Y, frame.Y);
        Assert.Equal(expected.U, frame.U);
        Assert.Equal(expected.V, frame.V);
        Assert.Equal(ColorRange.Full, frame.Range); // ingestion moves bytes; the caller owns the range
    }

    [Fact]
    public void FromNv12_rejects_short_buffer()
    {
        var frame = new YuvFrame(8, 6);
        var ex = Assert.Throws<ArgumentException>(() => YuvFrame.FromNv12(new byte[8 * 6 + 8 * 3 - 1], frame));
        Assert.Contains("72", ex.Message);
    }

    [Theory]
    [InlineData(8, 4, 0)]
    [InlineData(7, 5, 0)]
    [InlineData(6, 3, 40)]
    public void FromYuyv_keeps_luma_and_averages_chroma_row_pairs(int w, int h, int stride)
    {
        int pairs = (w + 1) / 2;
        int s = stride == 0 ? 4 * pairs : stride;
        var yuyv = new byte[s * h];
        var luma = new byte[w * h];
        var cb = new byte[pairs * h];
        var cr = new byte[pairs * h];
        var rng = new Random(42);
        for (int y = 0; y < h; y++)
        {
            for (int i = 0; i < pairs; i++)
            {
                byte y0 = (byte)rng.Next(256), y1 = (byte)rng.Next(256), u = (byte)rng.Next(256), v = (byte)rng.Next(256);
                yuyv[y * s + 4 * i] = y0;
                yuyv[y * s + 4 * i + 1] = u;
                yuyv[y * s + 4 * i + 2] = y1;
                yuyv[y * s + 4 * i + 3] = v;
                luma[y * w + 2 * i] = y0;
                if (2 * i + 1 < w)
                    luma[y * w + 2 * i + 1] = y1;
                cb[y * pairs + i] = u;
                cr[y * pairs + i] = v;
            }
        }

        var frame = new YuvFrame(w, h);
        YuvFrame.FromYuyv(yuyv, frame, stride);

        Assert.Equal(luma, frame.Y);
        for (int cy = 0; cy < frame.ChromaHeight; cy++)
        {
            int r0 = 2 * cy, r1 = Math.Min(2 * cy + 1, h - 1);
            for (int cx = 0; cx < pairs; cx++)
            {
                Assert.Equal((cb[r0 * pairs + cx] + cb[r1 * pairs + cx] + 1) / 2, frame.U[cy * pairs + cx]);
                Assert.Equal((cr[r0 * pairs + cx] + cr[r1 * pairs + cx] + 1) / 2, frame.V[cy * pairs + cx]);
            }
        }
    }

    [Fact]
    public void Ingestion_allocates_nothing()
    {
        var frame = new YuvFrame(64, 48);
        var nv12 = new byte[64 * 48 * 3 / 2];
        var yuyv = new byte[64 * 48 * 2];
        Assert.Equal(0, Allocations.Steady(() =>
        {
            YuvFrame.FromNv12(nv12, frame);
            YuvFrame.FromYuyv(yuyv, frame);
        }));
    }

    internal static YuvFrame Patterned(int w, int h)
    {
        var f = new YuvFrame(w, h);
        for (int i = 0; i < f.Y.Length; i++) f.Y[i] = (byte)(i * 7 + 3);
        for (int i = 0; i < f.U.Length; i++) f.U[i] = (byte)(i * 13 + 100);
        for (int i = 0; i < f.V.Length; i++) f.V[i] = (byte)(200 - i * 5);
        return f;
    }
}
