using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Control;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Tests.Engine;

namespace ClassSR.Edge.Tests.Sinks;

/// <summary>
/// A pipeline (bicubic, one thread) behind the control server with MJPEG, put together as the daemon does it, on a
/// loopback port of its own; extra sinks join it.
/// </summary>
internal sealed class ServedPipeline : IAsyncDisposable
{
    readonly Upscaler _upscaler = new(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.Bicubic, Threads = 1 });
    public readonly FramePipeline Pipeline;
    public readonly ControlServer Server;
    public readonly MjpegSink Mjpeg;
    public readonly StateRegistry State;

    ServedPipeline(IFrameSource source, string? token, int quality, FrameSink[] extra)
    {
        var log = new Log(TextWriter.Null);
        FramePipeline? pipeline = null;
        State = new StateRegistry(() => pipeline!.Snapshot());
        Server = new ControlServer(new ControlOptions { Listen = ListenAddress.Parse("127.0.0.1:0"), AuthToken = token }, State,
            () => pipeline!.ClassMap(), log);
        Mjpeg = new MjpegSink(Server, quality, log);
        FrameSink[] sinks = [Mjpeg, .. extra];
        pipeline = Pipeline = new FramePipeline(source, _upscaler, sinks, log);
        foreach (var s in sinks)
            State.Add(s);
    }

    public Uri Url => new(Server.Url!);

    public static async Task<ServedPipeline> StartAsync(IFrameSource source, string? token = null, int quality = 80, params FrameSink[] extra)
    {
        var served = new ServedPipeline(source, token, quality, extra);
        await served.Server.StartAsync();
        served.Pipeline.Start();
        return served;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync();
        Pipeline.Stop(TimeSpan.FromSeconds(2));
        Pipeline.Dispose();
        await Server.DisposeAsync();
        _upscaler.Dispose();
    }
}
