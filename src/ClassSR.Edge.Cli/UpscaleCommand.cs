using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Cli;

public static class UpscaleCommand
{
    public static int Run(ReadOnlySpan<string> argv)
    {
        var a = new Args(argv, Args.Switches());
        if (a.Positional.Count != 2)
            throw new UsageException("upscale needs IN and OUT");
        string input = a.Positional[0], output = a.Positional[1];
        var values = a.Bind(OptionTable.Engine);
        var options = OptionTable.EngineOf(values, video: false);
        string? classMap = a.Get("class-map");
        var models = a.Models(values);
        a.RejectUnknown();
        OutputFormat.Check(output);
        if (classMap != null) OutputFormat.Check(classMap);

        var (rgb, w, h) = ImageFile.Load(input);
        var lr = new YuvFrame(w, h);
        ColorConvert.RgbToYuv(rgb, w, h, lr);
        using var up = new Upscaler(models, options);
        var hr = up.CreateOutput(lr);
        up.Upscale(lr, hr);
        var outRgb = new byte[hr.Width * hr.Height * 3];
        ColorConvert.YuvToRgb(hr, outRgb, ChromaUpsampling.Bilinear);
        ImageFile.Save(output, outRgb, hr.Width, hr.Height);
        if (classMap != null)
        {
            ClassMap.Tint(rgb, w, h, up.LastGrid, up.LastClasses);
            ImageFile.Save(classMap, rgb, w, h);
        }
        var s = up.Stats;
        Console.WriteLine($"{input} {w}x{h} -> {output} {hr.Width}x{hr.Height}: mode {options.Mode.ToString().ToLowerInvariant()}, " +
            $"{up.PrecisionLabel}, {s.TotalMs:F1} ms, classes {s.Share(0):P0}/{s.Share(1):P0}/{s.Share(2):P0}, " +
            $"MACs ratio {s.MacsRatio:F3}");
        return 0;
    }
}
