using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Diagnostics;

namespace ClassSR.Edge.IO.Gpio;

/// <summary>Which GPIO lines the daemon uses; a null pin is not used.</summary>
public sealed record GpioOptions(int Chip, int? LedPin, int? ButtonPin)
{
    public bool Any => LedPin != null || ButtonPin != null;

    /// <exception cref="ArgumentException">A negative number, or one line for both.</exception>
    public void Validate()
    {
        if (Chip < 0)
            throw new ArgumentException($"--gpio-chip {Chip} is negative");
        if (LedPin is < 0)
            throw new ArgumentException($"--led-pin {LedPin} is negative");
        if (ButtonPin is < 0)
            throw new ArgumentException($"--button-pin {ButtonPin} is negative");
        if (LedPin != null && LedPin == ButtonPin)
            throw new ArgumentException($"--led-pin and --button-pin are both {LedPin}");
    }
}

/// <summary>An output line driving the status LED.</summary>
public interface IStatusLed
{
    void Set(bool on);
}

/// <summary>An input line with a push button; reports every edge, bounces included (debouncing is the reader's).</summary>
public interface IButton
{
    /// <summary>Raised on the driver's thread: pressed or released, and when (Stopwatch ticks).</summary>
    event Action<bool, long>? Changed;
}

/// <summary>Both lines of one chip, opened together and closed together.</summary>
public interface IGpioPins : IStatusLed, IButton, IDisposable;

/// <summary>
/// The LED and the button on a GPIO chip through System.Device.Gpio's libgpiod driver (the character device,
/// /dev/gpiochipN). The LED is active high; the button connects its line to ground and uses the pull-up.
/// </summary>
public sealed class GpioPins : IGpioPins
{
    readonly GpioController _controller;
    readonly GpioOptions _options;

    /// <exception cref="IOException">The chip or a line cannot be opened.</exception>
    public GpioPins(GpioOptions options)
    {
        _options = options;
        try
        {
            _controller = new GpioController(new LibGpiodDriver(options.Chip));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // libgpiod missing, no such chip, or no access: all are "this board's GPIO cannot be used".
            throw new IOException($"GPIO chip {options.Chip}: {e.Message} (needs libgpiod, apt install libgpiod2, and access to /dev/gpiochip{options.Chip})", e);
        }
        try
        {
            if (options.LedPin is { } led)
                _controller.OpenPin(led, PinMode.Output, PinValue.Low);
            if (options.ButtonPin is { } button)
            {
                _controller.OpenPin(button, PinMode.InputPullUp);
                _controller.RegisterCallbackForPinValueChangedEvent(button, PinEventTypes.Rising | PinEventTypes.Falling, OnButton);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _controller.Dispose();
            throw new IOException($"GPIO chip {options.Chip}: {e.Message}", e);
        }
    }

    public event Action<bool, long>? Changed;

    void OnButton(object sender, PinValueChangedEventArgs e) =>
        Changed?.Invoke(e.ChangeType == PinEventTypes.Falling, Stopwatch.GetTimestamp());

    public void Set(bool on)
    {
        if (_options.LedPin is { } led)
            _controller.Write(led, on ? PinValue.High : PinValue.Low);
    }

    public void Dispose() => _controller.Dispose();
}
