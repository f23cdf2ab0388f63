using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using System.Diagnostics;
using System.Security.Cryptography;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.IO.V4l2;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Engine;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Engine;

namespace ClassSR.Edge.Tests.V4l2;

/// <summary>Camera and virtual camera in the real pipeline, both simulated.</summary>
public class V4l2PipelineTests
{
    const int W = 96, H = 64;

    /// <summary>Keeps a fingerprint of every frame the pipeline hands its sinks.</summary>
    sealed class RecordingSink() : FrameSink("record")
    {
        readonly Lock _gate = new();
        readonly List<(long Sequence, bool NoSignal, string Hash, long Ticks)> _frames = [];

        protected override void Consume(PipelineFrame frame)
        {
            var i = frame.Image;
            string hash = Convert.ToHexString(SHA256.HashData([.. i.Y, .. i.U, .. i.V]));
            lock (_gate)
                _frames.Add((frame.Sequence, frame.NoSignal, hash, Stopwatch.GetTimestamp()));
        }

        public List<(long Sequence, bool NoSignal, string Hash, long Ticks)> Frames
        {
            get { lock (_gate) return [.. _frames]; }
        }

        /// <summary>Waits for a frame arriving after <paramref name="since"/> that matches; returns when it arrived.</summary>
        public long WaitFor(Func<(long Sequence, bool NoSignal, string Hash, long Ticks), bool> match, long since, TimeSpan timeout)
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < timeout)
            {
                foreach (var f in Frames)
                    if (f.Ticks >= since && match(f))
                        return f.Ticks;
                Thread.Sleep(10);
            }
            Assert.Fail($"no matching frame within {timeout}");
            return 0;
        }
    }

    static SimulatedV4l2Device Camera() => new(V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming, [V4l2Abi.PixFmtYuyv], [(W, H)], fps: 30);

    static Upscaler Bicubic() => new(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.Bicubic });

    static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    [Fact]
    public void Frames_flow_a_vanished_camera_shows_no_signal_and_frames_resume_within_two_seconds_of_its_return()
    {
        using var camera = Camera();
        using var source = new V4l2Source("/dev/video0", new V4l2CaptureRequest(W, H), camera);
        using var upscaler = Bicubic();
        var record = new RecordingSink();
        var log = new StringWriter();
        using var pipeline = new FramePipeline(source, upscaler, [record], new Log(TextWriter.Synchronized(log)));
        pipeline.Start();
        try
        {
            record.WaitFor(f => !f.NoSignal && f.Sequence >= 5, 0, TimeSpan.FromSeconds(10));

            long unplugged = Stopwatch.GetTimestamp();
            camera.Unplug();
            long shown = record.WaitFor(f => f.NoSignal, unplugged, TimeSpan.FromSeconds(5));
            Assert.True(Seconds(shown - unplugged) < 1.5, $"NO SIGNAL after {Seconds(shown - unplugged):0.00} s");
            // Long enough for the reopen backoff to reach its cap.
            Thread.Sleep(2500);

            long plugged = Stopwatch.GetTimestamp();
            camera.Plug();
            long resumed = record.WaitFor(f => !f.NoSignal, plugged, TimeSpan.FromSeconds(5));
            Assert.True(Seconds(resumed - plugged) < 2, $"frames resumed {Seconds(resumed - plugged):0.00} s after the camera returned");

            var state = pipeline.Snapshot();
            Assert.True(state.Source.Signal);
            Assert.True(state.Source.Reopens >= 2);
            Assert.Equal((W, H), (state.Source.Width, state.Source.Height));
            Assert.Equal((W * 4, H * 4), (state.Output.Width, state.Output.Height));
        }
        finally
        {
            pipeline.Stop(TimeSpan.FromSeconds(3));
        }
        Assert.False(camera.IsOpen);
        Assert.Equal(0, camera.LiveMappings);
        string text = log.ToString();
        Assert.Matches(@"source v4l2:/dev/video0: /dev/video0: (the device stopped streaming \(gone\?\)|VIDIOC_DQBUF: No such device); NO SIGNAL", text);
        Assert.Contains("source v4l2:/dev/video0 open again", text);
    }

    [Fact]
    public void The_loopback_receives_exactly_the_pipeline_frames_and_survives_its_node_going_away()
    {
        using var camera = Camera();
        using var source = new V4l2Source("/dev/video0", new V4l2CaptureRequest(W, H), camera);
        using var upscaler = Bicubic();
        var record = new RecordingSink();
        var loopback = SimulatedV4l2Device.Loopback();
        var log = new StringWriter();
        var sink = new V4l2LoopbackSink("/dev/video10", loopback, new Log(TextWriter.Synchronized(log)), () => source.Fps);
        Exception? failed = null;
        sink.Failed = (_, e) => failed = e;
        using var pipeline = new FramePipeline(source, upscaler, [record, sink], new Log(TextWriter.Null));
        pipeline.Start();
        try
        {
            WaitUntil(() => sink.FramesWritten >= 10, TimeSpan.FromSeconds(10));
            loopback.Unplug();
            long writtenBefore = sink.FramesWritten;
            Thread.Sleep(1000);
            Assert.True(sink.FramesWritten - writtenBefore <= 1);
            loopback.Plug();
            WaitUntil(() => sink.FramesWritten >= writtenBefore + 10, TimeSpan.FromSeconds(5));
            Assert.True(pipeline.Snapshot().Source.Signal);
        }
        finally
        {
            pipeline.Stop(TimeSpan.FromSeconds(3));
        }
        Assert.Null(failed);

        var format = loopback.OutputFormat;
        Assert.Equal((W * 4u, H * 4u, V4l2Abi.PixFmtYuv420), (format.Width, format.Height, format.PixelFormat));
        Assert.Equal((uint)(W * 4 * H * 4 * 3 / 2), format.SizeImage);
        // Each sink drops on its own, so compare as sequences: every frame written is one the pipeline made, in order.
        var made = record.Frames.Select(f => f.Hash).ToList();
        var written = loopback.Written.Select(b => Convert.ToHexString(SHA256.HashData(b))).ToList();
        Assert.True(written.Count >= 20);
        Assert.All(loopback.Written, b => Assert.Equal(W * 4 * H * 4 * 3 / 2, b.Length));
        int at = 0;
        foreach (string w in written)
        {
            int found = made.IndexOf(w, at);
            Assert.True(found >= 0, "a written frame is not one the pipeline made (or came out of order)");
            at = found;
        }
        string text = log.ToString();
        Assert.Contains("/dev/video10: write: No such device; retrying in 0.25 s", text);
        Assert.Contains("/dev/video10: open again, 384x256 YU12", text);
        sink.Dispose();
        Assert.False(loopback.IsOpen);
    }

    [Fact]
    public void A_missing_loopback_node_is_retried_and_a_non_output_node_refused_without_stopping()
    {
        using var camera = Camera();
        var notOutput = Camera();
        var log = new StringWriter();
        var sink = new V4l2LoopbackSink("/dev/video0", notOutput, new Log(TextWriter.Synchronized(log)), () => 30);
        Exception? failed = null;
        sink.Failed = (_, e) => failed = e;
        using var source = new V4l2Source("/dev/video1", new V4l2CaptureRequest(W, H), camera);
        using var upscaler = Bicubic();
        using var pipeline = new FramePipeline(source, upscaler, [sink], new Log(TextWriter.Null));
        pipeline.Start();
        Thread.Sleep(1500);
        pipeline.Stop(TimeSpan.FromSeconds(3));
        Assert.Null(failed);
        Assert.Equal(0, sink.FramesWritten);
        string[] warnings = [.. log.ToString().Split('\n').Where(l => l.Contains("warn"))];
        // Retried with backoff, logged once.
        Assert.Single(warnings);
        Assert.Contains("/dev/video0 (Simulated camera) is not a video output that takes write() (load v4l2loopback", warnings[0]);
        Assert.True(notOutput.Opens >= 2);
    }

    static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < timeout, $"not reached within {timeout}");
            Thread.Sleep(10);
        }
    }
}

/// <summary>The CLI wiring with the real libc device: /dev/null opens but answers no V4L2 ioctl.</summary>
public class V4l2DaemonTests
{
    [Fact]
    public void A_node_that_is_not_v4l2_is_reported_and_the_daemon_keeps_running()
    {
        var r = ClassSR.Edge.Tests.Cli.CliRunner.Jit("run", "--source", "v4l2:/dev/null", "--size", "320x240", "--listen", "none",
            "--output", "v4l2:/dev/null", "--models", TestModels.Quick().Directory, "--seconds", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("source v4l2:/dev/null: /dev/null: not a V4L2 device; NO SIGNAL, retrying", r.Stderr);
        Assert.Contains("warn: /dev/null: not a V4L2 device; retrying in 0.25 s", r.Stderr);
        Assert.Contains("writing to v4l2:/dev/null", r.Stderr);
        Assert.Contains("stopped after 2.", r.Stderr);
    }
}
