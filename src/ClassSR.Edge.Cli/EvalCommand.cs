using ClassSR.Edge.Daemon.Config;
using System.Text.Json;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;

namespace ClassSR.Edge.Cli;

public static class EvalCommand
{
    public static int Run(ReadOnlySpan<string> argv)
    {
        var a = new Args(argv, Args.Switches("quiet"));
        string hr = a.Get("hr") ?? throw new UsageException("eval needs --hr DIR");
        string? lr = a.Get("lr"), json = a.Get("json");
        Degradation degrade;
        try { degrade = Degradation.Parse(a.Get("degrade") ?? "none"); }
        catch (FormatException e) { throw new UsageException($"--degrade: {e.Message}"); }
        bool quiet = a.Flag("quiet");
        var values = a.Bind(OptionTable.Engine);
        var options = OptionTable.EngineOf(values, video: false);
        var models = a.Models(values);
        a.RejectUnknown();
        if (a.Positional.Count != 0)
            throw new UsageException($"eval takes no positional arguments ('{a.Positional[0]}')");
        using var up = new Upscaler(models, options);
        if (!quiet)
            Console.WriteLine($"{"image",-22} {"size",-9} {"PSNR-Y",7} {"SSIM",7} {"MACs",6} {"simple/medium/hard",18} {"ms",7}");
        var report = Evaluator.Run(up, hr, lr, r =>
        {
            if (!quiet) Print(r);
        }, degrade);
        if (!quiet)
            Print(report.Mean);
        Console.WriteLine($"eval {Path.GetFileName(Path.TrimEndingDirectorySeparator(hr))}{(degrade == Degradation.None ? "" : $" ({degrade} LR)")}: mode {report.Mode} {report.Precision}: " +
            $"PSNR-Y {report.Mean.Psnr:F3} dB, SSIM {report.Mean.Ssim:F4}, MACs ratio {report.Mean.MacsRatio:F3}, " +
            $"classes {report.Mean.Shares[0]:P0}/{report.Mean.Shares[1]:P0}/{report.Mean.Shares[2]:P0}");
        if (json != null)
            File.WriteAllText(json, JsonSerializer.Serialize(report, EvalJson.Default.EvalReport));
        return 0;
    }

    static void Print(ImageResult r) =>
        Console.WriteLine($"{r.Name,-22} {(r.Width > 0 ? $"{r.Width}x{r.Height}" : ""),-9} {r.Psnr,7:F3} {r.Ssim,7:F4} {r.MacsRatio,6:F3} " +
            $"{$"{r.Shares[0]:P0}/{r.Shares[1]:P0}/{r.Shares[2]:P0}",18} {r.Ms,7:F1}");
}
