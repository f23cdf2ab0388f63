using System.Diagnostics;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;
using Microsoft.ML.OnnxRuntime;

namespace ClassSR.Edge.Bench;

/// <summary>One engine mode as the engine bench measured it: the upscaler alone, frames in memory, no pipeline.</summary>
public sealed class EngineModeResult
{
    public string Name { get; set; } = "";
    /// <summary>"int8", "fp32", "auto (...)" as the upscaler resolved it; "none" for bicubic.</summary>
    public string Precision { get; set; } = "";
    public double Fps { get; set; }
    public double MsPerFrame { get; set; }
    public double Psnr { get; set; }
    public double MacsRatio { get; set; }
    public double GmacsPerFrame { get; set; }
    public double[] Shares { get; set; } = [0, 0, 0];
    public Dictionary<string, double> StageMs { get; set; } = [];
    public int Regions { get; set; }
    public int BranchCalls { get; set; }
}

/// <summary>ONNX Runtime's own GEMM throughput at one size: the ceiling for the branches' convolutions.</summary>
public sealed class GemmPeakResult
{
    public int Size { get; set; }
    public double Int8Gmacs { get; set; }
    public double Fp32Gmacs { get; set; }
}

/// <summary>
/// The engine bench: each mode's upscaler on the same frames, warmed up and scored once, then timed in rounds taken in
/// turn with the other modes (this machine is shared: a burst of another tenant's load then slows one round of every
/// mode, not one mode), each reporting its median round.
/// </summary>
public static class EngineBench
{
    public sealed class Run(Upscaler up, EngineModeResult result, YuvFrame[] outs)
    {
        public readonly Upscaler Up = up;
        public readonly EngineModeResult Result = result;
        internal readonly YuvFrame[] Outs = outs;
        internal readonly List<double> RoundFps = [];
        internal readonly double[] Stages = new double[StageNames.Length];
        internal int Frames, Regions, Calls;
    }

    static readonly string[] StageNames = ["prepare", "classify", "plan", "branches+merge", "chroma", "total"];

    public static double Median(List<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Warm-up (every frame once: bindings for every shape) and the quality figures, against <see cref="BenchFrames.TruthLuma"/>.</summary>
    public static Run Warm(string name, Upscaler up, BenchFrames frames)
    {
        var luma = frames.TruthLuma ?? throw new ArgumentException("the engine bench needs frames with ground truth (BenchFrames.Mosaic)");
        var outs = frames.Input.Select(up.CreateOutput).ToArray();
        string prec = up.Mode == UpscaleMode.Bicubic ? "none"
            : up.Options.Precision == Precision.Auto ? up.PrecisionLabel : up.Precision.ToString().ToLowerInvariant();
        var r = new EngineModeResult { Name = name, Precision = prec };
        double psnr = 0, macs = 0;
        var shares = new double[3];
        var y = new double[outs[0].Y.Length];
        int n = frames.Input.Length;
        for (int i = 0; i < n; i++)
        {
            up.Upscale(frames.Input[i], outs[i]);
            for (int p = 0; p < y.Length; p++) y[p] = outs[i].Y[p];
            psnr += Metrics.PsnrY(y, luma[i], outs[i].Width, outs[i].Height);
            macs += up.Stats.MacsRatio;
            for (int k = 0; k < 3; k++) shares[k] += up.Stats.Share(k) / n;
        }
        r.Psnr = psnr / n;
        r.MacsRatio = up.Mode == UpscaleMode.Bicubic ? 0 : macs / n;
        r.GmacsPerFrame = r.MacsRatio * frames.Input[0].Width * frames.Input[0].Height * up.LargeMacsPerPixel / 1e9;
        r.Shares = shares;
        return new Run(up, r, outs);
    }

    /// <summary>One timed turn: whole passes over the frames for about <paramref name="seconds"/>.</summary>
    public static void Round(Run run, BenchFrames frames, double seconds)
    {
        int n = 0, count = frames.Input.Length;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds || n < count)
        {
            int i = n % count;
            run.Up.Upscale(frames.Input[i], run.Outs[i]);
            var s = run.Up.Stats;
            run.Stages[0] += s.PrepareMs; run.Stages[1] += s.ClassifyMs; run.Stages[2] += s.PlanMs;
            run.Stages[3] += s.BranchesMs; run.Stages[4] += s.ChromaMs; run.Stages[5] += s.TotalMs;
            run.Regions += s.Regions; run.Calls += s.BranchCalls;
            n++;
        }
        run.Frames += n;
        run.RoundFps.Add(n * 1000 / sw.Elapsed.TotalMilliseconds);
    }

    /// <summary>fps of the median round; stage times are means over every timed frame.</summary>
    public static EngineModeResult Finish(Run run)
    {
        var r = run.Result;
        r.Fps = Median(run.RoundFps);
        r.MsPerFrame = 1000 / r.Fps;
        for (int k = 0; k < StageNames.Length; k++) r.StageMs[StageNames[k]] = run.Stages[k] / run.Frames;
        r.Regions = run.Regions / run.Frames;
        r.BranchCalls = run.Calls / run.Frames;
        return r;
    }

    /// <summary>ONNX Runtime's own INT8 and FP32 GEMM throughput on this machine (the fixtures' gemm_int8/gemm_fp32 models).</summary>
    public static GemmPeakResult GemmPeak(string fixtures, int threads, int size = 1024)
    {
        var r = new GemmPeakResult { Size = size };
        foreach (var kind in new[] { "int8", "fp32" })
        {
            using var opt = OrtHost.SessionOptions(threads, null);
            using var s = new InferenceSession(Path.Combine(fixtures, $"gemm_{kind}.onnx"), opt);
            var rng = new Random(1);
            using var run = new RunOptions();
            OrtValue a, b;
            if (kind == "int8")
            {
                var av = new byte[size * size]; var bv = new sbyte[size * size];
                rng.NextBytes(av);
                for (int i = 0; i < bv.Length; i++) bv[i] = (sbyte)rng.Next(-127, 128);
                a = OrtValue.CreateTensorValueFromMemory(av, [size, size]);
                b = OrtValue.CreateTensorValueFromMemory(bv, [size, size]);
            }
            else
            {
                var av = new float[size * size]; var bv = new float[size * size];
                for (int i = 0; i < av.Length; i++) { av[i] = (float)rng.NextDouble(); bv[i] = (float)rng.NextDouble(); }
                a = OrtValue.CreateTensorValueFromMemory(av, [size, size]);
                b = OrtValue.CreateTensorValueFromMemory(bv, [size, size]);
            }
            using (a)
            using (b)
            {
                for (int i = 0; i < 2; i++) s.Run(run, ["A", "B"], [a, b], ["Y"]).Dispose();
                int n = 0;
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed.TotalSeconds < 2 || n < 3)
                {
                    s.Run(run, ["A", "B"], [a, b], ["Y"]).Dispose();
                    n++;
                }
                double gmacs = (double)size * size * size * n / sw.Elapsed.TotalSeconds / 1e9;
                if (kind == "int8") r.Int8Gmacs = gmacs; else r.Fp32Gmacs = gmacs;
            }
        }
        return r;
    }

    public static string Header =>
        $"{"mode",-24} {"prec",-5} {"fps",7} {"ms",7} {"PSNR-Y",7} {"MACs",6} {"GMAC",6} {"classify",8} {"branches",8} {"chroma",7} {"regions",7} {"calls",5}  simple/medium/hard";

    public static string Row(EngineModeResult r) =>
        $"{r.Name,-24} {(r.Precision.StartsWith("auto", StringComparison.Ordinal) ? "auto" : r.Precision),-5} {r.Fps,7:F1} {r.MsPerFrame,7:F2} {r.Psnr,7:F3} " +
        $"{r.MacsRatio,6:F3} {r.GmacsPerFrame,6:F3} {r.StageMs.GetValueOrDefault("classify"),8:F2} {r.StageMs.GetValueOrDefault("branches+merge"),8:F2} " +
        $"{r.StageMs.GetValueOrDefault("chroma"),7:F2} {r.Regions,7} {r.BranchCalls,5}  {r.Shares[0]:P0}/{r.Shares[1]:P0}/{r.Shares[2]:P0}";

    /// <summary>
    /// The ratios the README quotes, each taken within one run. <paramref name="peer"/> is the usual alternative's row
    /// (OpenCV's FSRCNN at x4), or null.
    /// </summary>
    public static Dictionary<string, double> Summary(List<EngineModeResult> rs, GemmPeakResult peak, EngineModeResult? peer)
    {
        var d = new Dictionary<string, double>();
        EngineModeResult? Get(string name) => rs.FirstOrDefault(r => r.Name == name);
        var (cls, lf, li) = (Get("classsr-int8"), Get("large-fp32"), Get("large-int8"));
        if (cls is null || lf is null || li is null) return d;
        d["classsr_int8_over_large_fp32_fps"] = cls.Fps / lf.Fps;
        d["classsr_int8_over_large_int8_fps"] = cls.Fps / li.Fps;
        // Wall-clock ratio over MACs ratio, both against the large branch at the same precision: 1.0 means every saved MAC became saved time.
        d["wallclock_over_macs_ratio"] = (cls.MsPerFrame / li.MsPerFrame) / cls.MacsRatio;
        d["classsr_minus_large_db"] = cls.Psnr - li.Psnr;
        d["classsr_int8_effective_gmacs"] = cls.GmacsPerFrame * cls.Fps;
        d["classsr_int8_fraction_of_int8_peak"] = cls.GmacsPerFrame * cls.Fps / peak.Int8Gmacs;
        d["large_int8_fraction_of_int8_peak"] = li.GmacsPerFrame * li.Fps / peak.Int8Gmacs;
        if (Get("classsr-auto") is { } au)
        {
            d["classsr_auto_over_large_fp32_fps"] = au.Fps / lf.Fps;
            d["classsr_auto_over_large_int8_fps"] = au.Fps / li.Fps;
            d["classsr_auto_minus_large_int8_db"] = au.Psnr - li.Psnr;
            if (peer != null) d["classsr_auto_over_opencv_fps"] = au.Fps / peer.Fps;
        }
        if (peer != null)
        {
            d["classsr_int8_over_opencv_fps"] = cls.Fps / peer.Fps;
            d["classsr_minus_opencv_db"] = cls.Psnr - peer.Psnr;
        }
        if (Get(BenchMode.SpeedName) is { } speed)
        {
            d["classsr_int8_speed_over_large_fp32_fps"] = speed.Fps / lf.Fps;
            d["classsr_int8_speed_minus_large_int8_db"] = speed.Psnr - li.Psnr;
            if (peer != null)
            {
                d["classsr_int8_speed_over_opencv_fps"] = speed.Fps / peer.Fps;
                d["classsr_int8_speed_minus_opencv_db"] = speed.Psnr - peer.Psnr;
            }
        }
        return d;
    }
}
