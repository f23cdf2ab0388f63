using System.Diagnostics;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.IO.Gpio;
using ClassSR.Edge.Daemon.Panel;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using Xunit;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sinks;

namespace ClassSR.Edge.Tests.Gpio;

public class GpioTests
{
    static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000);

    [Fact]
    public void The_led_is_steady_while_streaming_blinks_at_2_hz_on_no_signal_and_is_off_at_stop()
    {
        var gpio = new SimulatedGpio();
        bool signal = true;
        var light = new StatusLight(gpio, () => signal);
        for (int t = 0; t < 1000; t += StatusLight.TickMs)
            light.Tick(t);
        Assert.Equal([true], gpio.LedChanges);

        signal = false;
        var times = new List<int>();
        for (int t = 1000; t < 3000; t += StatusLight.TickMs)
        {
            bool? before = gpio.Led;
            light.Tick(t);
            if (gpio.Led != before)
                times.Add(t);
        }
        // Two seconds of 2 Hz: off and on every 250 ms, starting with the first quarter-second boundary.
        Assert.Equal([1250, 1500, 1750, 2000, 2250, 2500, 2750], times);

        signal = true;
        light.Tick(3000);
        light.Tick(3125);
        Assert.True(gpio.Led);
        light.Stop();
        Assert.False(gpio.Led);
    }

    [Fact]
    public void A_bouncing_press_switches_the_mode_exactly_once_and_presses_cycle_classsr_large_bicubic()
    {
        var gpio = new SimulatedGpio();
        var switched = new List<UpscaleMode>();
        var button = new ModeButton(gpio, UpscaleMode.ClassSR, switched.Add);
        long t = Ms(10_000);
        gpio.Press(t, TimeSpan.FromMilliseconds(120), bounces: 4);
        Assert.Equal([UpscaleMode.Large], switched);
        gpio.Press(t += Ms(400), TimeSpan.FromMilliseconds(80));
        gpio.Press(t += Ms(400), TimeSpan.FromMilliseconds(80));
        Assert.Equal([UpscaleMode.Large, UpscaleMode.Bicubic, UpscaleMode.ClassSR], switched);
        Assert.Equal(UpscaleMode.ClassSR, button.Mode);

        // A second press too soon after the last release is chatter, not a press.
        gpio.Press(t + Ms(80 + 3 + 10), TimeSpan.FromMilliseconds(50), bounces: 0);
        Assert.Equal(3, switched.Count);

        Assert.Equal(UpscaleMode.ClassSR, ModeButton.Next(UpscaleMode.Small));
    }

    [Fact]
    public void The_led_follows_the_pipeline_through_no_signal_and_back()
    {
        var gpio = new SimulatedGpio();
        var source = new UnpluggableSource();
        using var upscaler = new Upscaler(TestModels.Quick(), new EngineOptions { Mode = UpscaleMode.Bicubic });
        using var pipeline = new ClassSR.Edge.Daemon.Pipeline.FramePipeline(source, upscaler, [], new Log(TextWriter.Null));
        var light = new StatusLight(gpio, () => pipeline.Signal);
        pipeline.Start();
        light.Start();
        Poll.Until(() => pipeline.Signal && gpio.Led == true, "the LED on with signal");
        int steady = gpio.LedChanges.Count;
        Thread.Sleep(600);
        Assert.Equal(steady, gpio.LedChanges.Count);

        source.Plugged = false;
        Poll.Until(() => !pipeline.Signal, "NO SIGNAL");
        int before = gpio.LedChanges.Count;
        Thread.Sleep(1100);
        // About four changes a second at 2 Hz; a tick of slack either side.
        Assert.InRange(gpio.LedChanges.Count - before, 3, 6);

        source.Plugged = true;
        Poll.Until(() => pipeline.Signal, "the signal back");
        Thread.Sleep(3 * StatusLight.TickMs);
        Assert.True(gpio.Led);
        pipeline.Stop(TimeSpan.FromSeconds(2));
        light.Stop();
        Assert.False(gpio.Led);
    }

    [Fact]
    public void The_daemon_lights_the_led_and_a_press_switches_the_upscaler_once()
    {
        var gpio = new SimulatedGpio();
        var output = new StringWriter();
        var log = new Log(TextWriter.Synchronized(output), LogLevel.Debug);
        var models = TestModels.Quick();
        string socket = Path.Combine(TestImages.TemporaryDirectory(), "frames.sock");
        var host = new DaemonHost(new DaemonOptions
        {
            Source = "synthetic", Fps = 30, Listen = null, FramesSocket = socket, Gpio = new GpioOptions(0, 17, 27),
        }, log)
        {
            OpenGpio = _ => gpio,
            MakeUpscaler = mode => new Upscaler(models, new EngineOptions { Mode = mode }),
        };
        using var upscaler = new Upscaler(models, new EngineOptions { Mode = UpscaleMode.ClassSR });
        using var stop = new CancellationTokenSource();
        int exitCode = -1;
        var run = new Thread(() => exitCode = host.Run(upscaler, stop.Token));
        run.Start();
        string Log() => output.ToString();
        try
        {
            // The LED also starts lit in the first half of a NO SIGNAL blink: wait for the signal itself.
            Poll.Until(() => Log().Contains("source synthetic: signal"), "the first frames");
            Poll.Until(() => gpio.Led == true, "the LED on");
            gpio.Press(Stopwatch.GetTimestamp(), TimeSpan.FromMilliseconds(100), bounces: 5);
            Poll.Until(() => Log().Contains("now upscaling with large"), "the switch to large");
            Thread.Sleep(300);
            Assert.Single(Log().Split('\n'), l => l.Contains("button: switching to"));
            Assert.Single(Log().Split('\n'), l => l.Contains("now upscaling with"));
        }
        finally
        {
            stop.Cancel();
            Assert.True(run.Join(TimeSpan.FromSeconds(10)), Log());
        }
        Assert.Equal(0, exitCode);
        Assert.False(gpio.Led);
    }

    [Fact]
    public void A_board_without_the_gpio_chip_says_so()
    {
        var e = Assert.Throws<IOException>(() => new GpioPins(new GpioOptions(57, 17, null)));
        Assert.StartsWith("GPIO chip 57: ", e.Message);
    }
}
