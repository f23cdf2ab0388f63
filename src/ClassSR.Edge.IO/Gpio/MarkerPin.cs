using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Diagnostics;

namespace ClassSR.Edge.IO.Gpio;

/// <summary>
/// A GPIO line raised while a timed run is on, so an external power analyser can cut its own trace into runs.
/// </summary>
public interface IMarkerPin : IDisposable
{
    string Name { get; }
    void Set(bool high);
}

/// <summary>
/// A real pin through the kernel's GPIO character device (System.Device.Gpio's libgpiod driver, as the status LED),
/// driven low at start. The driver is named rather than detected: detection probes board types by reflection, which
/// native AOT trims away.
/// </summary>
public sealed class GpioMarkerPin : IMarkerPin
{
    readonly GpioController _controller;
    readonly int _pin;

    /// <exception cref="IOException">The pin cannot be opened (no GPIO chip, in use, no permission).</exception>
    public GpioMarkerPin(int pin, int chip = 0)
    {
        _pin = pin;
        try
        {
            _controller = new GpioController(new LibGpiodDriver(chip));
            _controller.OpenPin(pin, PinMode.Output, PinValue.Low);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new IOException($"--marker-pin {pin}: {e.Message}", e);
        }
        Name = $"gpiochip{chip} line {pin}";
    }

    public string Name { get; }

    public void Set(bool high) => _controller.Write(_pin, high ? PinValue.High : PinValue.Low);

    public void Dispose()
    {
        try { _controller.Write(_pin, PinValue.Low); } catch (Exception e) when (e is IOException or InvalidOperationException) { }
        _controller.Dispose();
    }
}
