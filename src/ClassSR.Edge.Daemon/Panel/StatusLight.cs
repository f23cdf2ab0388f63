using ClassSR.Edge.IO.Gpio;
namespace ClassSR.Edge.Daemon.Panel;

/// <summary>
/// The status LED: steady on while the source delivers, blinking at 2 Hz while NO SIGNAL is shown, off once
/// stopped. It runs on its own thread at <see cref="TickMs"/>, so the pipeline never waits on a GPIO write.
/// </summary>
public sealed class StatusLight(IStatusLed led, Func<bool> signal)
{
    public const int TickMs = 50;
    /// <summary>Half of a 2 Hz period: on this long, then off this long.</summary>
    public const int BlinkHalfPeriodMs = 250;

    readonly CancellationTokenSource _stop = new();
    bool? _shown;
    Thread? _thread;

    /// <summary>Sets the LED for the state at <paramref name="nowMs"/> (milliseconds on any steady clock).</summary>
    public void Tick(long nowMs)
    {
        bool on = signal() || nowMs / BlinkHalfPeriodMs % 2 == 0;
        if (_shown == on)
            return;
        led.Set(on);
        _shown = on;
    }

    public void Start()
    {
        _thread = new Thread(() =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            do
                Tick(clock.ElapsedMilliseconds);
            while (!_stop.Token.WaitHandle.WaitOne(TickMs));
        }) { IsBackground = true, Name = "classsr-led" };
        _thread.Start();
    }

    /// <summary>Stops the thread and leaves the LED off.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _thread?.Join();
        led.Set(false);
        _shown = false;
    }
}
