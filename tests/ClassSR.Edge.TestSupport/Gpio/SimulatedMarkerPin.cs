using System.Diagnostics;

namespace ClassSR.Edge.IO.Gpio;

/// <summary>The simulated twin: remembers each edge and when (Stopwatch ticks).</summary>
public sealed class SimulatedMarkerPin : IMarkerPin
{
    readonly List<(long Ticks, bool High)> _edges = [];

    public string Name => "simulated gpio";
    public bool High { get; private set; }
    public IReadOnlyList<(long Ticks, bool High)> Edges => _edges;

    public void Set(bool high)
    {
        if (high != High)
            _edges.Add((Stopwatch.GetTimestamp(), high));
        High = high;
    }

    public void Dispose() { }
}
