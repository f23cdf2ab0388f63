using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;
using Xunit;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Sources;

public class Y4mSourceTests
{
    static List<YuvFrame> ReadAll(string path, out Y4mSource source, int max = 100)
    {
        source = new Y4mSource(path, loop: false, fps: 1000);
        source.Open();
        var frames = new List<YuvFrame>();
        while (frames.Count < max)
        {
            var f = new YuvFrame(source.Width, source.Height);
            if (!source.Read(f, out long ticks, CancellationToken.None))
                break;
            Assert.True(ticks > 0);
            frames.Add(f);
        }
        return frames;
    }

    [Fact]
    public void Reads_420_frames_exactly_and_then_ends()
    {
        string dir = TestImages.TemporaryDirectory();
        var file = new Y4mFile(15, 9, "25:1", extra: " XCOLORRANGE=FULL").Frame(10).Frame(20).Frame(30);
        var frames = ReadAll(file.Save(dir), out var source);
        Assert.Equal([10, 20, 30], frames.Select(f => (int)f.Y[0]));
        Assert.Equal(25, source.Header!.Fps);
        Assert.Equal(1000, source.Fps); // the rate asked for wins over the header's
        Assert.Equal((15, 9), (source.Width, source.Height));
        var expected = file.Payload(20);
        var second = frames[1];
        Assert.Equal(expected.AsSpan(0, 135).ToArray(), second.Y);
        Assert.Equal(expected.AsSpan(135, 40).ToArray(), second.U);
        Assert.Equal(expected.AsSpan(175, 40).ToArray(), second.V);
        Assert.Equal(ColorRange.Full, second.Range);
        Assert.Equal(0, source.CorruptFrames);
        Assert.True(source.EndIsFinal);
    }

    [Fact]
    public void Converts_422_to_420_by_averaging_row_pairs()
    {
        string dir = TestImages.TemporaryDirectory();
        var file = new Y4mFile(8, 5, chroma: Y4mChroma.C422).Frame(50);
        var frames = ReadAll(file.Save(dir), out var source);
        var f = Assert.Single(frames);
        Assert.Equal(Y4mChroma.C422, source.Header!.Chroma);
        // Chroma rows 100..104 become (100+101+1)/2=101, (102+103+1)/2=103, and the lone last row 104.
        Assert.Equal([101, 103, 104], Enumerable.Range(0, 3).Select(r => (int)f.U[r * 4]));
        Assert.Equal([151, 153, 154], Enumerable.Range(0, 3).Select(r => (int)f.V[r * 4]));
    }

    [Theory]
    [InlineData("YUV4MPEG W16 H8 F30:1\n", "not a YUV4MPEG2 stream")]
    [InlineData("YUV4MPEG2 H8 F30:1\n", "width (W) and height (H) are required")]
    [InlineData("YUV4MPEG2 W16 H8\n", "frame rate (F) is required")]
    [InlineData("YUV4MPEG2 W16 H8 F30\n", "F (frame rate) '30' is not N:D")]
    [InlineData("YUV4MPEG2 W16 H8 F0:1\n", "not positive")]
    [InlineData("YUV4MPEG2 W16 H-8 F30:1\n", "height '-8' is not a positive integer")]
    [InlineData("YUV4MPEG2 W16 H8 F30:1 C444\n", "unsupported y4m colour space C444")]
    [InlineData("YUV4MPEG2 W16 H8 F30:1 Ct\n", "unsupported y4m colour space Ct")]
    [InlineData("YUV4MPEG2 W16 H8 F30:1 It\n", "only progressive (Ip)")]
    [InlineData("YUV4MPEG2 W16 H8 F30:1 Q3\n", "unknown field 'Q3'")]
    [InlineData("YUV4MPEG2 W16 H8 W16 F30:1\n", "field W given twice")]
    [InlineData("YUV4MPEG2 W16  H8 F30:1\n", "empty field")]
    public void Rejects_bad_headers_with_the_reason(string header, string reason)
    {
        string path = Path.Combine(TestImages.TemporaryDirectory(), "bad.y4m");
        File.WriteAllText(path, header + "FRAME\n" + new string('\0', 16 * 8 * 3 / 2));
        using var source = new Y4mSource(path, loop: false);
        var e = Assert.Throws<FrameFormatException>(source.Open);
        Assert.Contains(reason, e.Message);
        Assert.StartsWith("y4m:" + path + ": ", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void A_header_without_a_newline_or_an_empty_stream_is_refused()
    {
        string dir = TestImages.TemporaryDirectory();
        string noNewline = Path.Combine(dir, "long.y4m"), empty = Path.Combine(dir, "empty.y4m");
        File.WriteAllText(noNewline, "YUV4MPEG2 W16 H8 F30:1 " + new string('X', 2000));
        File.WriteAllBytes(empty, []);
        Assert.Contains("no header line", Assert.Throws<FrameFormatException>(new Y4mSource(noNewline, false).Open).Message);
        Assert.Throws<EndOfStreamException>(new Y4mSource(empty, false).Open);
    }

    [Fact]
    public void A_bad_marker_is_skipped_counted_and_reading_resyncs()
    {
        string dir = TestImages.TemporaryDirectory();
        var file = new Y4mFile(16, 8).Frame(10).Frame(20, marker: "FRAMX\n").Raw("garbage FRAMEX ").Frame(30).Frame(40);
        var frames = ReadAll(file.Save(dir), out var source);
        Assert.Equal([10, 30, 40], frames.Select(f => (int)f.Y[0]));
        Assert.Equal(1, source.CorruptFrames);
    }

    [Fact]
    public void A_truncated_frame_is_skipped_counted_and_the_next_frame_survives()
    {
        string dir = TestImages.TemporaryDirectory();
        var file = new Y4mFile(16, 8).Frame(10).Frame(20, truncateTo: 50).Frame(30).Frame(40, truncateTo: 100);
        var frames = ReadAll(file.Save(dir), out var source);
        Assert.Equal([10, 30], frames.Select(f => (int)f.Y[0]));
        Assert.Equal(2, source.CorruptFrames); // the cut frame in the middle, and the one cut by the end of the file
        Assert.Equal(file.Payload(30).AsSpan(128, 32).ToArray(), frames[1].U);
    }

    [Fact]
    public void A_looped_file_starts_over_and_a_file_without_frames_ends()
    {
        string dir = TestImages.TemporaryDirectory();
        using var source = new Y4mSource(new Y4mFile(16, 8, "1000:1").Frame(1).Frame(2).Save(dir), loop: true);
        source.Open();
        var f = new YuvFrame(16, 8);
        var seen = new List<int>();
        for (int i = 0; i < 5 && source.Read(f, out _, CancellationToken.None); i++)
            seen.Add(f.Y[0]);
        Assert.Equal([1, 2, 1, 2, 1], seen);
        Assert.False(source.EndIsFinal);

        using var empty = new Y4mSource(new Y4mFile(16, 8).Save(dir, "none.y4m"), loop: true);
        empty.Open();
        Assert.False(empty.Read(f, out _, CancellationToken.None));
    }

    [Fact]
    public void Header_round_trips_and_rates_become_ratios()
    {
        var h = new Y4mHeader(1280, 720, 30000, 1001, Y4mChroma.C420Jpeg, ColorRange.Limited);
        Assert.Equal(h, Y4mHeader.Parse(h.Format()));
        Assert.Equal((30, 1), Y4mHeader.RatioOf(30));
        Assert.Equal((30000, 1001), Y4mHeader.RatioOf(30000 / 1001.0));
        Assert.Equal((12500, 1000), Y4mHeader.RatioOf(12.5));
    }

    [Fact]
    public void Raw_sources_read_i420_nv12_and_yuyv()
    {
        string dir = TestImages.TemporaryDirectory();
        // 4x2 frame, one chroma row: I420 Y*8, U*2, V*2; NV12 Y*8, (U V)*2; YUYV (Y U Y V)*2 per row.
        byte[] y = [1, 2, 3, 4, 5, 6, 7, 8];
        var cases = new (string Format, byte[] Data)[]
        {
            ("i420", [.. y, 10, 11, 20, 21]),
            ("nv12", [.. y, 10, 20, 11, 21]),
            ("yuyv", [1, 9, 2, 19, 3, 11, 4, 21, 5, 11, 6, 21, 7, 11, 8, 21]),
        };
        foreach (var (format, data) in cases)
        {
            string path = Path.Combine(dir, format + ".raw");
            File.WriteAllBytes(path, [.. data, .. data, 1, 2, 3]); // two frames and a torn third
            using var source = (RawSource)SourceSpec.Create("raw:" + path, "4x2:" + format, fps: 1000, loop: false);
            source.Open();
            var f = new YuvFrame(4, 2);
            Assert.True(source.Read(f, out _, CancellationToken.None));
            Assert.Equal(y, f.Y);
            Assert.Equal([10, 11], f.U);
            Assert.Equal([20, 21], f.V);
            Assert.True(source.Read(f, out _, CancellationToken.None));
            Assert.False(source.Read(f, out _, CancellationToken.None));
            Assert.Equal(1, source.CorruptFrames);
        }
        Assert.Throws<FormatException>(() => RawFormat.Parse("4x2:rgb"));
        Assert.Throws<FormatException>(() => RawFormat.Parse("4by2:i420"));
        Assert.Throws<FormatException>(() => SourceSpec.Create("raw:-", null, null, false));
        Assert.Throws<FormatException>(() => SourceSpec.Create("webcam", null, null, false));
        Assert.IsType<Y4mSource>(SourceSpec.Create("clip.y4m", null, null, false));
    }
}
