using System.Globalization;
using ClassSR.Edge.Daemon.Pipeline;

namespace ClassSR.Edge.Daemon.Service;

/// <summary>
/// Decides what to tell the service manager, given the time and the pipeline's progress: READY=1 after the
/// first processed frame, STATUS= every few seconds, and WATCHDOG=1 at half the watchdog interval but only
/// when frames were processed since the last one, so a stuck upscaler gets the daemon restarted. Driven by
/// <see cref="Tick"/> with explicit times so tests need no clock.
/// </summary>
public sealed class ServiceHeartbeat(IServiceNotifier notifier, TimeSpan? watchdog, TimeSpan? statusPeriod = null)
{
    readonly TimeSpan _statusPeriod = statusPeriod ?? TimeSpan.FromSeconds(5);
    bool _ready;
    long _lastPetFrames = -1;
    TimeSpan? _lastPet, _lastStatus;

    /// <summary>How often <see cref="Tick"/> should run to keep the watchdog fed in time.</summary>
    public TimeSpan TickPeriod => watchdog is { } w ? TimeSpan.FromTicks(Math.Min(w.Ticks / 4, TimeSpan.TicksPerSecond)) : TimeSpan.FromSeconds(1);

    public bool Ready => _ready;

    public void Tick(TimeSpan now, long processedFrames, Func<string> status)
    {
        if (!_ready && processedFrames > 0)
        {
            _ready = true;
            notifier.Notify("READY=1\nSTATUS=" + status());
            _lastStatus = now;
        }
        else if (_lastStatus is null || now - _lastStatus >= _statusPeriod)
        {
            notifier.Notify("STATUS=" + status());
            _lastStatus = now;
        }
        if (watchdog is { } w && processedFrames > _lastPetFrames && processedFrames > 0 && (_lastPet is null || now - _lastPet >= w / 2))
        {
            notifier.Notify("WATCHDOG=1");
            _lastPet = now;
            _lastPetFrames = processedFrames;
        }
    }

    public void Stopping() => notifier.Notify("STOPPING=1");

    public static string Describe(PipelineState s)
    {
        long drops = s.Drops.Values.Sum();
        return string.Create(CultureInfo.InvariantCulture,
            $"{(s.NoSignal ? "NO SIGNAL, " : "")}{s.Fps.Processed:0.0} fps processed, {s.Fps.Captured:0.0} captured, {drops} dropped, {s.Mode} {s.Precision}");
    }
}
