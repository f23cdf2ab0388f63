using System.Diagnostics;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Tests.Engine;

namespace ClassSR.Edge.Tests.Sinks;

/// <summary>The daemon's pipeline in-process: a paced synthetic source, bicubic x4 (fast, exact), the given sinks.</summary>
internal sealed class RunningPipeline : IDisposable
{
    readonly Upscaler _upscaler = new(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.Bicubic });
    readonly FramePipeline _pipeline;

    public RunningPipeline(int width, int height, double fps, params FrameSink[] sinks)
        : this(new SyntheticSource(fps, width, height), sinks) { }

    public RunningPipeline(IFrameSource source, params FrameSink[] sinks)
    {
        _pipeline = new FramePipeline(source, _upscaler, sinks, new Log(TextWriter.Null));
        _pipeline.Start();
    }

    public long Processed => _pipeline.ProcessedFrames;

    public FramePipeline Pipeline => _pipeline;

    public TimeSpan Stop()
    {
        var t = Stopwatch.StartNew();
        _pipeline.Stop(TimeSpan.FromSeconds(2));
        return t.Elapsed;
    }

    public void Dispose()
    {
        Stop();
        _pipeline.Dispose();
        _upscaler.Dispose();
    }
}
