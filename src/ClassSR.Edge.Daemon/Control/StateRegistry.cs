using System.Diagnostics;
using ClassSR.Edge.Daemon.Pipeline;

namespace ClassSR.Edge.Daemon.Control;

/// <summary>A stage that adds what only it knows to /state (and so to /metrics): a sink its clients, the server its refusals.</summary>
public interface IStatePart
{
    /// <param name="now">Stopwatch ticks of this snapshot, the same for every part.</param>
    void AddTo(PipelineState state, long now);
}

/// <summary>
/// The daemon's state, built in one place: the pipeline's own picture (source, upscaler, drops per stage), then each
/// registered part adds its own. The control server serves it; the service heartbeat reads it too.
/// </summary>
public sealed class StateRegistry(Func<PipelineState> pipeline)
{
    readonly List<IStatePart> _parts = [];

    /// <summary>Registers a part; done while the daemon is put together, before anything is served.</summary>
    public void Add(IStatePart part) => _parts.Add(part);

    public PipelineState Snapshot()
    {
        var state = pipeline();
        long now = Stopwatch.GetTimestamp();
        foreach (var part in _parts)
            part.AddTo(state, now);
        return state;
    }
}
