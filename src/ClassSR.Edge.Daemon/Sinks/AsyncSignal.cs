using System.Threading.Tasks.Sources;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// An auto-reset event to await without allocating: one per stream client, set on every new frame. Sets that
/// arrive while nobody waits collapse into one, which is what "newest frame wins" wants.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    readonly Lock _gate = new();
    ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    bool _set, _waiting;

    public void Set()
    {
        lock (_gate)
        {
            if (_waiting)
            {
                _waiting = false;
                _core.SetResult(true);
            }
            else
                _set = true;
        }
    }

    /// <summary>Completes at the next Set, or at once if one came since the last wait. One waiter at a time.</summary>
    public ValueTask WaitAsync()
    {
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return ValueTask.CompletedTask;
            }
            _core.Reset();
            _waiting = true;
            return new ValueTask(this, _core.Version);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
