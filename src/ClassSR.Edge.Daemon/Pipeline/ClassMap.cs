namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// The newest frame's cell map (class and reuse per cell) for /classes, kept by the upscale thread: a few hundred
/// bytes copied per frame rather than a whole upscaled frame pinned for a request that may never come.
/// </summary>
public sealed class ClassMap
{
    readonly Lock _gate = new();
    byte[] _classes = [], _reused = [];
    int _cols, _rows, _tile, _sourceWidth, _sourceHeight;
    long _sequence;

    public void Keep(PipelineFrame frame)
    {
        lock (_gate)
        {
            if (_classes.Length != frame.Classes.Length)
                (_classes, _reused) = (new byte[frame.Classes.Length], new byte[frame.Classes.Length]);
            frame.Classes.CopyTo(_classes, 0);
            frame.Reused.CopyTo(_reused, 0);
            (_cols, _rows, _tile) = (frame.Grid.Cols, frame.Grid.Rows, frame.Grid.Tile);
            (_sourceWidth, _sourceHeight, _sequence) = (frame.Source?.Width ?? frame.Grid.Width, frame.Source?.Height ?? frame.Grid.Height, frame.Sequence);
        }
    }

    public ClassMapState State()
    {
        lock (_gate)
        {
            return new ClassMapState
            {
                Sequence = _sequence,
                SourceWidth = _sourceWidth,
                SourceHeight = _sourceHeight,
                Tile = _tile,
                Cols = _cols,
                Rows = _rows,
                Classes = string.Create(_classes.Length, _classes, static (d, c) => { for (int i = 0; i < d.Length; i++) d[i] = (char)('0' + c[i]); }),
                Reused = string.Create(_reused.Length, _reused, static (d, r) => { for (int i = 0; i < d.Length; i++) d[i] = r[i] != 0 ? '1' : '0'; }),
            };
        }
    }
}
