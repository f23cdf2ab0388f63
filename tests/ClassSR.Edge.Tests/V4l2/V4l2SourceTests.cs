using System.Diagnostics;
using ClassSR.Edge.IO.V4l2;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.V4l2;

/// <summary>The capture source driving the simulated camera through the same ioctls a real one gets.</summary>
public class V4l2SourceTests
{
    const string Path = "/dev/video7";

    static V4l2Source Open(SimulatedV4l2Device camera, V4l2CaptureRequest? request = null)
    {
        var source = new V4l2Source(Path, request ?? new V4l2CaptureRequest(320, 240), camera);
        source.Open();
        return source;
    }

    static YuvFrame Read(V4l2Source source)
    {
        var frame = new YuvFrame(source.Width, source.Height);
        Assert.True(source.Read(frame, out long ticks, CancellationToken.None));
        Assert.True(ticks > 0);
        return frame;
    }

    static YuvFrame Scene(long index, int width, int height)
    {
        var f = new YuvFrame(width, height);
        SyntheticSource.Render(index, f);
        return f;
    }

    [Fact]
    public void Packing_the_known_pattern_gives_the_byte_order_of_the_formats()
    {
        var f = new YuvFrame(4, 2);
        new byte[] { 10, 11, 12, 13, 20, 21, 22, 23 }.CopyTo(f.Y, 0);
        new byte[] { 100, 101 }.CopyTo(f.U, 0);
        new byte[] { 200, 201 }.CopyTo(f.V, 0);
        var yuyv = new byte[2 * 10];
        SimulatedV4l2Device.PackYuyv(f, yuyv, 10);
        Assert.Equal(new byte[] { 10, 100, 11, 200, 12, 101, 13, 201, 0, 0, 20, 100, 21, 200, 22, 101, 23, 201, 0, 0 }, yuyv);
        var nv12 = new byte[3 * 6];
        SimulatedV4l2Device.PackNv12(f, nv12, 6);
        Assert.Equal(new byte[] { 10, 11, 12, 13, 0, 0, 20, 21, 22, 23, 0, 0, 100, 200, 101, 201, 0, 0 }, nv12);
    }

    [Theory]
    [InlineData(V4l2PixelFormat.Yuyv)]
    [InlineData(V4l2PixelFormat.Nv12)]
    public void Raw_formats_convert_exactly_honouring_the_row_stride(V4l2PixelFormat format)
    {
        // Rows padded by 32 bytes, as drivers that align lines do: a reader that ignores bytesperline shears.
        using var camera = new SimulatedV4l2Device(V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming,
            [V4l2CaptureRequest.FourCc(format)], [(320, 240)], fps: 200) { RowPadding = 32 };
        using var source = Open(camera);
        Assert.Equal(format, source.Format);
        for (long i = 0; i < 3; i++)
        {
            var got = Read(source);
            var want = Scene(i, 320, 240);
            Assert.Equal(want.Y, got.Y);
            Assert.Equal(want.U, got.U);
            Assert.Equal(want.V, got.V);
            Assert.Equal(ColorRange.Limited, got.Range);
        }
        Assert.Equal(0, source.CorruptFrames);
    }

    [Theory]
    [InlineData(JpegSubsampling.S420)]
    [InlineData(JpegSubsampling.S422)]
    public void Mjpeg_decodes_to_the_pattern_in_full_range(JpegSubsampling subsampling)
    {
        using var camera = new SimulatedV4l2Device(V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming, [V4l2Abi.PixFmtMjpeg], [(320, 240)])
        {
            MjpegSubsampling = subsampling,
        };
        using var source = Open(camera);
        Assert.Equal(V4l2PixelFormat.Mjpeg, source.Format);
        var got = Read(source);
        Assert.Equal(ColorRange.Full, got.Range);
        ColorConvert.ConvertRange(got, ColorRange.Limited);
        var want = Scene(0, 320, 240);
        double mse = want.Y.Zip(got.Y).Average(p => (double)(p.First - p.Second) * (p.First - p.Second));
        double psnr = 10 * Math.Log10(255.0 * 255 / mse);
        Assert.True(psnr > 38, $"luma PSNR {psnr:0.0} dB through JPEG q95");
        Assert.True(Math.Abs(want.U.Average(v => (double)v) - got.U.Average(v => (double)v)) < 1);
    }

    [Theory]
    [InlineData(new[] { V4l2PixelFormat.Mjpeg }, null, V4l2PixelFormat.Mjpeg)]
    [InlineData(new[] { V4l2PixelFormat.Yuyv }, null, V4l2PixelFormat.Yuyv)]
    [InlineData(new[] { V4l2PixelFormat.Mjpeg, V4l2PixelFormat.Yuyv, V4l2PixelFormat.Nv12 }, null, V4l2PixelFormat.Nv12)]
    [InlineData(new[] { V4l2PixelFormat.Mjpeg, V4l2PixelFormat.Yuyv }, null, V4l2PixelFormat.Yuyv)]
    [InlineData(new[] { V4l2PixelFormat.Yuyv, V4l2PixelFormat.Mjpeg }, V4l2PixelFormat.Mjpeg, V4l2PixelFormat.Mjpeg)]
    public void Picks_a_format_the_camera_offers(V4l2PixelFormat[] offered, V4l2PixelFormat? asked, V4l2PixelFormat expected)
    {
        using var camera = SimulatedV4l2Device.Camera(offered);
        using var source = Open(camera, new V4l2CaptureRequest(320, 240, Format: asked));
        Assert.Equal(expected, source.Format);
        Read(source);
    }

    [Fact]
    public void A_format_the_camera_lacks_is_refused_naming_what_it_has()
    {
        using var camera = SimulatedV4l2Device.Camera(V4l2PixelFormat.Yuyv, V4l2PixelFormat.Mjpeg);
        using var source = new V4l2Source(Path, new V4l2CaptureRequest(Format: V4l2PixelFormat.Nv12), camera);
        Assert.Equal($"{Path} does not offer NV12 (it offers YUYV, MJPG)", Assert.Throws<IOException>(source.Open).Message);
        Assert.False(camera.IsOpen);

        using var odd = new SimulatedV4l2Device(V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming, [V4l2Abi.FourCc("GREY")], [(320, 240)]);
        using var grey = new V4l2Source(Path, new V4l2CaptureRequest(), odd);
        Assert.Equal($"{Path} offers none of YUYV, NV12, MJPG (it offers GREY)", Assert.Throws<IOException>(grey.Open).Message);
    }

    [Fact]
    public void Size_and_rate_are_what_the_driver_settled_on()
    {
        using var camera = SimulatedV4l2Device.Camera(V4l2PixelFormat.Yuyv);
        using var source = Open(camera, new V4l2CaptureRequest(700, 500, Fps: 15));
        Assert.Equal((640, 480), (source.Width, source.Height));
        Assert.Equal(15, source.Fps, 3);
        Assert.Equal(15, camera.Fps, 3);
        Assert.Equal(640, Read(source).Width);
        Assert.Throws<ArgumentException>(() => source.Read(new YuvFrame(700, 500), out _, CancellationToken.None));
    }

    [Fact]
    public void A_node_that_cannot_capture_is_refused_by_name()
    {
        using var loopback = SimulatedV4l2Device.Loopback();
        using var source = new V4l2Source(Path, new V4l2CaptureRequest(), loopback);
        var e = Assert.Throws<IOException>(source.Open);
        Assert.Equal($"{Path} (Simulated loopback) is not a video capture device (capabilities 0x05000002)", e.Message);
        Assert.False(loopback.IsOpen);

        using var readOnly = new SimulatedV4l2Device(V4l2Abi.CapVideoCapture | V4l2Abi.CapReadWrite, [V4l2Abi.PixFmtYuyv], [(320, 240)]);
        using var noStreaming = new V4l2Source(Path, new V4l2CaptureRequest(), readOnly);
        Assert.Contains("does not support streaming I/O", Assert.Throws<IOException>(noStreaming.Open).Message);
    }

    [Theory]
    [InlineData(V4l2PixelFormat.Mjpeg)]
    [InlineData(V4l2PixelFormat.Yuyv)]
    public void Damaged_frames_are_skipped_and_counted(V4l2PixelFormat format)
    {
        using var camera = SimulatedV4l2Device.Camera(format);
        using var source = Open(camera);
        camera.CorruptNext(2);
        var got = Read(source);
        Assert.Equal(2, source.CorruptFrames);
        // The frame that came through is the third the camera made, whole.
        var want = Scene(2, 320, 240);
        if (format == V4l2PixelFormat.Yuyv)
            Assert.Equal(want.Y, got.Y);
        Read(source);
        Assert.Equal(2, source.CorruptFrames);
    }

    [Fact]
    public void A_vanished_camera_fails_the_read_and_can_be_opened_again_when_it_returns()
    {
        using var camera = SimulatedV4l2Device.Camera(V4l2PixelFormat.Yuyv);
        using var source = Open(camera);
        Read(source);
        var frame = new YuvFrame(320, 240);
        // Pulled while the capture thread waits in poll.
        var unplug = new Thread(() => { Thread.Sleep(100); camera.Unplug(); });
        unplug.Start();
        var sw = Stopwatch.StartNew();
        void ReadOn()
        {
            while (source.Read(frame, out _, CancellationToken.None)) { }
        }
        // Poll's error report or DQBUF's ENODEV, depending on where the capture thread was.
        var e = Assert.ThrowsAny<IOException>(ReadOn);
        unplug.Join();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"noticed after {sw.Elapsed}");
        Assert.Contains(Path, e.Message);
        source.Close();
        Assert.Equal(0, camera.LiveMappings);
        Assert.False(camera.IsOpen);

        Assert.Equal($"{Path}: open: No such file or directory", Assert.Throws<V4l2Exception>(source.Open).Message);
        camera.Plug();
        source.Open();
        Read(source);
        Assert.Equal(2, camera.Opens);
    }

    [Fact]
    public void A_camera_that_stops_sending_fails_the_read_after_two_seconds()
    {
        using var camera = SimulatedV4l2Device.Camera(V4l2PixelFormat.Yuyv);
        using var source = Open(camera);
        Read(source);
        camera.Stalled = true;
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<IOException>(() => source.Read(new YuvFrame(320, 240), out _, CancellationToken.None));
        Assert.Equal($"{Path}: no frame for 2 s", e.Message);
        Assert.InRange(sw.Elapsed.TotalSeconds, 1.9, 3.5);
    }

    [Fact]
    public void A_stop_request_ends_a_read_that_is_waiting()
    {
        using var camera = SimulatedV4l2Device.Camera(V4l2PixelFormat.Yuyv);
        using var source = Open(camera);
        camera.Stalled = true;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var sw = Stopwatch.StartNew();
        Assert.False(source.Read(new YuvFrame(320, 240), out _, cancel.Token));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(V4l2PixelFormat.Yuyv, JpegSubsampling.S420)]
    [InlineData(V4l2PixelFormat.Nv12, JpegSubsampling.S420)]
    [InlineData(V4l2PixelFormat.Mjpeg, JpegSubsampling.S420)]
    [InlineData(V4l2PixelFormat.Mjpeg, JpegSubsampling.S422)]
    public void Reading_frames_allocates_nothing(V4l2PixelFormat format, JpegSubsampling subsampling)
    {
        using var camera = new SimulatedV4l2Device(V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming,
            [V4l2CaptureRequest.FourCc(format)], [(320, 240)], fps: 1000) { MjpegSubsampling = subsampling };
        using var source = Open(camera);
        var frame = new YuvFrame(320, 240);
        Assert.Equal(0, Allocations.Steady(() => Assert.True(source.Read(frame, out _, CancellationToken.None)), 20));
    }

    [Fact]
    public void The_spec_makes_a_camera_source_with_size_and_format()
    {
        using var source = SourceSpec.Create("v4l2:/dev/video3", null, 25, false, "1280x720", "mjpeg");
        Assert.Equal("v4l2:/dev/video3", source.Name);
        Assert.Equal((1280, 720, 25.0), (source.Width, source.Height, source.Fps));
        Assert.Contains("mjpeg", Assert.Throws<FormatException>(() => SourceSpec.Create("v4l2:/dev/video3", null, null, false, null, "h264")).Message);
        Assert.Contains("WxH", Assert.Throws<FormatException>(() => SourceSpec.Create("v4l2:/dev/video3", null, null, false, "big", null)).Message);
        Assert.Contains("v4l2: sources", Assert.Throws<FormatException>(() => SourceSpec.Create("synthetic", null, null, false, "640x480", null)).Message);
        Assert.Contains("no device path", Assert.Throws<FormatException>(() => SourceSpec.Create("v4l2:", null, null, false)).Message);
    }
}
