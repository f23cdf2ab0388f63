using ClassSR.Edge.IO.Gpio;
using System.Diagnostics;
using ClassSR.Edge.Engine;

namespace ClassSR.Edge.Daemon.Panel;

/// <summary>
/// The A/B button: each press moves the upscaler to the next of classsr, large, bicubic. A contact chatters
/// for a few milliseconds when it closes and when it opens, so a closing edge counts only when the button had
/// been open for at least <see cref="Debounce"/> before it; the chatter's re-closings follow an opening by
/// far less. Deciding on edges alone needs no timer and reacts on the first contact.
/// </summary>
public sealed class ModeButton
{
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(30);
    public static readonly UpscaleMode[] Cycle = [UpscaleMode.ClassSR, UpscaleMode.Large, UpscaleMode.Bicubic];

    readonly Action<UpscaleMode> _switchTo;
    readonly long _debounceTicks = (long)(Debounce.TotalSeconds * Stopwatch.Frequency);
    readonly Lock _gate = new();
    long _openedAt = long.MinValue / 2;
    bool _closed;
    UpscaleMode _mode;

    /// <param name="switchTo">Called on the button's thread for each press, with the mode to go to.</param>
    public ModeButton(IButton button, UpscaleMode current, Action<UpscaleMode> switchTo)
    {
        _mode = current;
        _switchTo = switchTo;
        button.Changed += OnChanged;
    }

    /// <summary>The mode the last press asked for (or the one at start).</summary>
    public UpscaleMode Mode { get { lock (_gate) return _mode; } }

    public static UpscaleMode Next(UpscaleMode mode) =>
        Array.IndexOf(Cycle, mode) is var i and >= 0 ? Cycle[(i + 1) % Cycle.Length] : Cycle[0];

    void OnChanged(bool pressed, long ticks)
    {
        UpscaleMode next;
        lock (_gate)
        {
            bool wasClosed = _closed;
            _closed = pressed;
            if (!pressed)
            {
                if (wasClosed)
                    _openedAt = ticks;
                return;
            }
            if (wasClosed || ticks - _openedAt < _debounceTicks)
                return;
            _mode = next = Next(_mode);
        }
        _switchTo(next);
    }
}
