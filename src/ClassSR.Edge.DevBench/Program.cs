using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClassSR.Edge.Bench;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using CpuFeatures = ClassSR.Edge.Inference.CpuFeatures;
using OpenCvSharp.DnnSuperres;

// ClassSR.Edge engine benchmark: every mode side by side in one run, on 1280x720 frames cut from the test images
// (from 320x180 at x4, 640x360 at --scale 2), with OpenCV's dnn_superres FSRCNN_x4 as the usual alternative at x4.
string root = Paths.Root();
string shared = Path.Combine(root, "..", "shared");
int scale = int.Parse(Arg("--scale") ?? ModelSet.DefaultScale.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
string models = ModelSet.DirectoryFor(Arg("--models") ?? Path.Combine(root, "models-int8"), scale);
double seconds = double.Parse(Arg("--seconds") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
int threads = int.Parse(Arg("--threads") ?? Environment.ProcessorCount.ToString(), System.Globalization.CultureInfo.InvariantCulture);
string json = Arg("--json") ?? Path.Combine(root, "artifacts", "bench.json");
// The peer models held are x4 only (FSRCNN_x4, ESPCN_x4): no OpenCV row at x2.
bool noOpenCv = args.Contains("--no-opencv") || scale != 4;
double runOverhead = double.Parse(Arg("--run-overhead") ?? "1.5e6", System.Globalization.CultureInfo.InvariantCulture);
// This machine is shared: another tenant's burst slows whichever mode runs at that moment. Modes therefore take turns,
// --rounds times for seconds/rounds each, and each reports its median round.
int rounds = int.Parse(Arg("--rounds") ?? "5", System.Globalization.CultureInfo.InvariantCulture);
string? only = Arg("--only");
// Temporal reuse on video clips in stream order (VideoBench); "only" skips the image modes, "off" the clips.
string video = Arg("--video") ?? "on";
double videoSeconds = double.Parse(Arg("--video-seconds") ?? "2", System.Globalization.CultureInfo.InvariantCulture);
// One more ClassSR INT8 row at a speed setting: the small branch's logit raised by this much (--class-bias S,0,0), so
// tiles whose predicted loss is up to e^S times the calibrated threshold go to it. Shows the quality/speed knob users
// have, measured beside the default; 0 leaves the row out.
float speedBias = float.Parse(Arg("--speed-bias") ?? "2", System.Globalization.CultureInfo.InvariantCulture);

if (args.Contains("--calibrate"))
    return Calibrate.RunOverhead(ModelSet.Load(models), threads);

// The model card's peer row: OpenCV's FSRCNN_x4 on exactly the LR `classsr-edge eval` gives every mode (same bicubic,
// same degradation, same metrics), written as an eval JSON beside theirs.
if (Arg("--eval-opencv") is { } evalHr)
{
    var degrade = Degradation.Parse(Arg("--degrade") ?? "none");
    Cv2.SetNumThreads(threads);
    using var sr = new DnnSuperResImpl();
    sr.ReadModel(Path.Combine(shared, "peers", "opencv-dnn-superres", "FSRCNN_x4.pb"));
    sr.SetModel("fsrcnn", 4);
    var report = new EvalReport { Mode = "opencv-fsrcnn_x4", Precision = "fp32", Hr = evalHr, Degrade = degrade.ToString() };
    foreach (var (hr, _) in Evaluator.Images(evalHr, null))
    {
        var pair = Evaluator.Prepare(hr, null, degrade, 4);
        int lw = pair.Lr.Width, lh = pair.Lr.Height;
        using var input = new Mat(lh, lw, MatType.CV_8UC3);
        var bgr = new byte[pair.LrRgb.Length];
        for (int p = 0; p < bgr.Length; p += 3) { bgr[p] = pair.LrRgb[p + 2]; bgr[p + 1] = pair.LrRgb[p + 1]; bgr[p + 2] = pair.LrRgb[p]; }
        System.Runtime.InteropServices.Marshal.Copy(bgr, 0, input.Data, bgr.Length);
        using var output = new Mat();
        sr.Upsample(input, output);
        var outBgr = new byte[output.Width * output.Height * 3];
        System.Runtime.InteropServices.Marshal.Copy(output.Data, outBgr, 0, outBgr.Length);
        var rgb = new byte[outBgr.Length];
        for (int p = 0; p < rgb.Length; p += 3) { rgb[p] = outBgr[p + 2]; rgb[p + 1] = outBgr[p + 1]; rgb[p + 2] = outBgr[p]; }
        var srY = new double[pair.Width * pair.Height];
        ColorConvert.RgbToYFloat(rgb, pair.Width, pair.Height, srY);
        report.Images.Add(Evaluator.Score(pair, srY));
    }
    Evaluator.Summarise(report);
    Console.WriteLine($"eval {Path.GetFileName(Path.TrimEndingDirectorySeparator(evalHr))} ({degrade} LR): OpenCV FSRCNN_x4: PSNR-Y {report.Mean.Psnr:F3} dB, SSIM {report.Mean.Ssim:F4}");
    if (Arg("--json") is { } evalJson)
        File.WriteAllText(evalJson, JsonSerializer.Serialize(report, EvalJson.Default.EvalReport));
    return 0;
}

if (video == "only")
{
    var clips = VideoBench.Run(root, shared, ModelSet.Load(models), threads, videoSeconds, rounds, !noOpenCv);
    WriteJson(new BenchReport { Machine = Machine(), Threads = threads, OnnxRuntime = OrtHost.Version, Video = clips });
    return 0;
}
var frames = BenchFrames.Make(Path.Combine(shared, "datasets", "test", "B100"), 8, scale);
Console.WriteLine($"bench: {frames.Count} frames {frames[0].Lr.Width}x{frames[0].Lr.Height} -> {frames[0].Lr.Width * scale}x{frames[0].Lr.Height * scale} " +
    $"(mosaics of B100 crops), {threads} threads, {seconds:F0} s per mode in {rounds} interleaved rounds (median round), " +
    $"cpu: {CpuFeatures.Describe()}");
var set = ModelSet.Load(models);
var results = new List<ModeResult>();
var runs = new List<Measure.EngineRun>();

// ClassSR runs as the daemon runs video (the classifier skipped for 7 frames after a frame planned as the large branch
// whole, EngineOptions.ReclassifyEvery), and once more with the classifier on every frame, as stills run.
const int Video = EngineOptions.VideoReclassifyEvery;
var modes = new List<(UpscaleMode, Precision, int, float)>
{
    (UpscaleMode.Bicubic, Precision.Fp32, 1, 0),
    (UpscaleMode.Small, Precision.Int8, 1, 0), (UpscaleMode.Medium, Precision.Int8, 1, 0),
    (UpscaleMode.Large, Precision.Fp32, 1, 0), (UpscaleMode.Large, Precision.Int8, 1, 0),
    (UpscaleMode.ClassSR, Precision.Fp32, Video, 0), (UpscaleMode.ClassSR, Precision.Int8, Video, 0), (UpscaleMode.ClassSR, Precision.Auto, Video, 0),
    (UpscaleMode.ClassSR, Precision.Int8, 1, 0),
};
if (speedBias != 0)
    modes.Add((UpscaleMode.ClassSR, Precision.Int8, Video, speedBias));
foreach (var (mode, prec, reclassify, bias) in modes)
{
    if (only != null && !$"{mode} {prec}".Equals(only, StringComparison.OrdinalIgnoreCase)) continue;
    var up = new Upscaler(set, new EngineOptions
    {
        Mode = mode, Precision = prec, Threads = threads, RunOverheadMacs = runOverhead, ReclassifyEvery = reclassify,
        ClassBias = [bias, 0, 0],
    });
    var run = Measure.Warm(up, frames);
    if (mode == UpscaleMode.ClassSR && reclassify == 1)
        run.Result.Name += " (classifier every frame)";
    if (bias != 0)
        run.Result.Name += " speed";
    runs.Add(run);
}
using var openCv = noOpenCv ? null
    : new Measure.OpenCvRun(Path.Combine(shared, "peers", "opencv-dnn-superres", "FSRCNN_x4.pb"), frames, threads);
for (int round = 0; round < rounds; round++)
{
    foreach (var run in runs)
        Measure.Round(run, frames, seconds / rounds);
    openCv?.Round(seconds / rounds);
}
foreach (var run in runs)
{
    results.Add(Measure.Finish(run));
    if (run.Up.Options.Precision == Precision.Auto) Console.WriteLine($"  ({run.Up.PrecisionLabel})");
    Report.Row(results[^1]);
    run.Up.Dispose();
}
if (openCv != null)
{
    results.Add(openCv.Finish());
    Report.Row(results[^1]);
}

if (only != null) return 0;
var peak = Measure.GemmPeak(Path.Combine(root, "src", "ClassSR.Edge.Bench", "fixtures"), threads);
Console.WriteLine($"ONNX Runtime GEMM peak ({peak.Size}^3): INT8 MatMulInteger {peak.Int8Gmacs:F1} GMAC/s, FP32 MatMul {peak.Fp32Gmacs:F1} GMAC/s");
var summary = Report.Summary(results, peak);
var videoResults = video == "off" ? [] : VideoBench.Run(root, shared, set, threads, videoSeconds, rounds, !noOpenCv);
WriteJson(new BenchReport
{
    Machine = Machine(),
    Threads = threads,
    Frames = frames.Count,
    LrSize = $"{frames[0].Lr.Width}x{frames[0].Lr.Height}",
    OnnxRuntime = OrtHost.Version,
    Modes = results,
    Peak = peak,
    Summary = summary,
    Video = videoResults,
});
return 0;

string Machine() => $"{Environment.ProcessorCount} cores, {CpuFeatures.Describe()}";

void WriteJson(BenchReport report)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
    File.WriteAllText(json, JsonSerializer.Serialize(report, BenchJson.Default.BenchReport));
    Console.WriteLine($"bench: wrote {json}");
}

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

namespace ClassSR.Edge.Bench
{
    static class Paths
    {
        public static string Root()
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "ClassSR.Edge.sln")))
                    return d.FullName;
            return Directory.GetCurrentDirectory();
        }
    }

    sealed record BenchFrame(YuvFrame Lr, double[] HrY, byte[] LrRgb);

    static class BenchFrames
    {
        /// <summary>1280x720 HR frames, each a 4x3 mosaic of 320x240 centre crops of different images; LR by our bicubic at the scale.</summary>
        public static List<BenchFrame> Make(string dir, int count, int scale)
        {
            const int hw = 1280, hh = 720, cw = 320, ch = 240;
            var files = Evaluator.ListImages(dir);
            var list = new List<BenchFrame>();
            int next = 0;
            for (int f = 0; f < count; f++)
            {
                var hr = new byte[hw * hh * 3];
                for (int gy = 0; gy < hh / ch; gy++)
                    for (int gx = 0; gx < hw / cw; gx++)
                    {
                        var (rgb, w, h) = ImageFile.Load(files[next++ % files.Count]);
                        int x0 = (w - cw) / 2, y0 = (h - ch) / 2;
                        for (int y = 0; y < ch; y++)
                            rgb.AsSpan(((y0 + y) * w + x0) * 3, cw * 3).CopyTo(hr.AsSpan(((gy * ch + y) * hw + gx * cw) * 3));
                    }
                var lrRgb = Evaluator.Downscale(hr, hw, hh, scale);
                var lr = new YuvFrame(hw / scale, hh / scale);
                ColorConvert.RgbToYuv(lrRgb, hw / scale, hh / scale, lr);
                var hrY = new double[hw * hh];
                ColorConvert.RgbToYFloat(hr, hw, hh, hrY);
                list.Add(new BenchFrame(lr, hrY, lrRgb));
            }
            return list;
        }
    }

    public sealed class ModeResult
    {
        public string Name { get; set; } = "";
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

    public sealed class PeakResult
    {
        public int Size { get; set; }
        public double Int8Gmacs { get; set; }
        public double Fp32Gmacs { get; set; }
    }

    public sealed class BenchReport
    {
        public string Machine { get; set; } = "";
        public int Threads { get; set; }
        public int Frames { get; set; }
        public string LrSize { get; set; } = "";
        public string OnnxRuntime { get; set; } = "";
        public List<ModeResult> Modes { get; set; } = [];
        public PeakResult Peak { get; set; } = new();
        public Dictionary<string, double> Summary { get; set; } = [];
        public List<VideoResult> Video { get; set; } = [];
    }

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
    [JsonSerializable(typeof(BenchReport))]
    sealed partial class BenchJson : JsonSerializerContext;

    static class Measure
    {
        public sealed class EngineRun(Upscaler up, ModeResult result, YuvFrame[] outs)
        {
            public readonly Upscaler Up = up;
            public readonly ModeResult Result = result;
            public readonly YuvFrame[] Outs = outs;
            public readonly List<double> RoundFps = [];
            public readonly double[] Stages = new double[6];
            public int Frames, Regions, Calls;
        }

        public static double Median(List<double> v)
        {
            var s = v.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        }

        /// <summary>Warm-up (bindings for every shape) and the quality figures.</summary>
        public static EngineRun Warm(Upscaler up, List<BenchFrame> frames)
        {
            var outs = frames.Select(f => up.CreateOutput(f.Lr)).ToArray();
            string prec = up.Options.Precision == Precision.Auto ? "auto" : up.Precision.ToString().ToLowerInvariant();
            var r = new ModeResult { Name = $"{up.Mode.ToString().ToLowerInvariant()} {(up.Mode == UpscaleMode.Bicubic ? "" : prec)}".Trim() };
            // Warm-up: every frame once (bindings for every shape), and the quality figures.
            double psnr = 0, macs = 0;
            var shares = new double[3];
            var y = new double[outs[0].Y.Length];
            for (int i = 0; i < frames.Count; i++)
            {
                up.Upscale(frames[i].Lr, outs[i]);
                for (int p = 0; p < y.Length; p++) y[p] = outs[i].Y[p];
                psnr += Metrics.PsnrY(y, frames[i].HrY, outs[i].Width, outs[i].Height);
                macs += up.Stats.MacsRatio;
                for (int k = 0; k < 3; k++) shares[k] += up.Stats.Share(k) / frames.Count;
            }
            r.Psnr = psnr / frames.Count;
            r.MacsRatio = up.Mode == UpscaleMode.Bicubic ? 0 : macs / frames.Count;
            r.GmacsPerFrame = r.MacsRatio * frames[0].Lr.Width * frames[0].Lr.Height * up.LargeMacsPerPixel / 1e9;
            r.Shares = shares;
            return new EngineRun(up, r, outs);
        }

        /// <summary>One timed turn: whole passes over the frames for about <paramref name="seconds"/>.</summary>
        public static void Round(EngineRun run, List<BenchFrame> frames, double seconds)
        {
            int n = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds || n < frames.Count)
            {
                int i = n % frames.Count;
                run.Up.Upscale(frames[i].Lr, run.Outs[i]);
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
        public static ModeResult Finish(EngineRun run)
        {
            var r = run.Result;
            r.Fps = Median(run.RoundFps);
            r.MsPerFrame = 1000 / r.Fps;
            string[] names = ["prepare", "classify", "plan", "branches+merge", "chroma", "total"];
            for (int k = 0; k < names.Length; k++) r.StageMs[names[k]] = run.Stages[k] / run.Frames;
            r.Regions = run.Regions / run.Frames;
            r.BranchCalls = run.Calls / run.Frames;
            return r;
        }

        /// <summary>OpenCV's FSRCNN, loaded and scored once, then timed in rounds like the engine's modes.</summary>
        public sealed class OpenCvRun : IDisposable
        {
            readonly DnnSuperResImpl _sr = new();
            readonly Mat[] _ins;
            readonly Mat _output = new();
            readonly List<double> _roundFps = [];
            readonly ModeResult _result;

            public OpenCvRun(string pb, List<BenchFrame> frames, int threads)
            {
                Cv2.SetNumThreads(threads);
                _sr.ReadModel(pb);
                _sr.SetModel("fsrcnn", 4);
                _ins = frames.Select(f =>
                {
                    var m = new Mat(f.Lr.Height, f.Lr.Width, MatType.CV_8UC3);
                    var bgr = new byte[f.LrRgb.Length];
                    for (int p = 0; p < bgr.Length; p += 3) { bgr[p] = f.LrRgb[p + 2]; bgr[p + 1] = f.LrRgb[p + 1]; bgr[p + 2] = f.LrRgb[p]; }
                    System.Runtime.InteropServices.Marshal.Copy(bgr, 0, m.Data, bgr.Length);
                    return m;
                }).ToArray();
                double psnr = 0;
                for (int i = 0; i < frames.Count; i++)
                {
                    _sr.Upsample(_ins[i], _output);
                    int w = _output.Width, h = _output.Height;
                    var bgr = new byte[w * h * 3];
                    System.Runtime.InteropServices.Marshal.Copy(_output.Data, bgr, 0, bgr.Length);
                    var rgb = new byte[bgr.Length];
                    for (int p = 0; p < bgr.Length; p += 3) { rgb[p] = bgr[p + 2]; rgb[p + 1] = bgr[p + 1]; rgb[p + 2] = bgr[p]; }
                    var y = new double[w * h];
                    ColorConvert.RgbToYFloat(rgb, w, h, y);
                    psnr += Metrics.PsnrY(y, frames[i].HrY, w, h);
                }
                _result = new ModeResult { Name = "opencv fsrcnn_x4", Psnr = psnr / frames.Count };
            }

            public void Round(double seconds)
            {
                int n = 0;
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed.TotalSeconds < seconds || n < 2 * _ins.Length)
                {
                    _sr.Upsample(_ins[n % _ins.Length], _output);
                    n++;
                }
                _roundFps.Add(n * 1000 / sw.Elapsed.TotalMilliseconds);
            }

            /// <summary>fps of the median round.</summary>
            public ModeResult Finish()
            {
                _result.Fps = Median(_roundFps);
                _result.MsPerFrame = 1000 / _result.Fps;
                _result.StageMs = new() { ["total"] = _result.MsPerFrame };
                return _result;
            }

            public void Dispose()
            {
                foreach (var m in _ins) m.Dispose();
                _output.Dispose();
                _sr.Dispose();
            }
        }

        /// <summary>ONNX Runtime's own INT8 and FP32 GEMM throughput on this machine: the ceiling for our convolutions.</summary>
        public static PeakResult GemmPeak(string dir, int threads, int size = 1024)
        {
            var r = new PeakResult { Size = size };
            foreach (var kind in new[] { "int8", "fp32" })
            {
                using var opt = OrtHost.SessionOptions(threads, null);
                using var s = new InferenceSession(Path.Combine(dir, $"gemm_{kind}.onnx"), opt);
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
    }

    static class Report
    {
        static bool _header;

        public static void Row(ModeResult r)
        {
            if (!_header)
            {
                Console.WriteLine($"{"mode",-18} {"fps",7} {"ms",7} {"PSNR-Y",7} {"MACs",6} {"GMAC",6} {"classify",8} {"branches",8} {"chroma",7} {"regions",7} {"calls",5}  simple/medium/hard");
                _header = true;
            }
            Console.WriteLine($"{r.Name,-18} {r.Fps,7:F1} {r.MsPerFrame,7:F2} {r.Psnr,7:F3} {r.MacsRatio,6:F3} {r.GmacsPerFrame,6:F3} " +
                $"{r.StageMs.GetValueOrDefault("classify"),8:F2} {r.StageMs.GetValueOrDefault("branches+merge"),8:F2} {r.StageMs.GetValueOrDefault("chroma"),7:F2} " +
                $"{r.Regions,7} {r.BranchCalls,5}  {r.Shares[0]:P0}/{r.Shares[1]:P0}/{r.Shares[2]:P0}");
        }

        public static Dictionary<string, double> Summary(List<ModeResult> rs, PeakResult peak)
        {
            var d = new Dictionary<string, double>();
            ModeResult? Get(string n) => rs.FirstOrDefault(r => r.Name == n);
            var cls = Get("classsr int8"); var lf = Get("large fp32"); var li = Get("large int8"); var cv = Get("opencv fsrcnn_x4");
            if (cls is null || lf is null || li is null) return d;
            d["classsr_int8_over_large_fp32_fps"] = cls.Fps / lf.Fps;
            d["classsr_int8_over_large_int8_fps"] = cls.Fps / li.Fps;
            // Wall-clock ratio over MACs ratio, both against the large branch at the same precision: 1.0 means every saved MAC became saved time.
            d["wallclock_over_macs_ratio"] = (cls.MsPerFrame / li.MsPerFrame) / cls.MacsRatio;
            d["classsr_minus_large_db"] = cls.Psnr - li.Psnr;
            d["classsr_int8_effective_gmacs"] = cls.GmacsPerFrame * cls.Fps;
            d["classsr_int8_fraction_of_int8_peak"] = cls.GmacsPerFrame * cls.Fps / peak.Int8Gmacs;
            d["large_int8_fraction_of_int8_peak"] = li.GmacsPerFrame * li.Fps / peak.Int8Gmacs;
            if (Get("classsr auto") is { } au)
            {
                d["classsr_auto_over_large_fp32_fps"] = au.Fps / lf.Fps;
                d["classsr_auto_over_large_int8_fps"] = au.Fps / li.Fps;
                d["classsr_auto_minus_large_int8_db"] = au.Psnr - li.Psnr;
                if (cv != null) d["classsr_auto_over_opencv_fps"] = au.Fps / cv.Fps;
            }
            if (cv != null)
            {
                d["classsr_int8_over_opencv_fps"] = cls.Fps / cv.Fps;
                d["classsr_minus_opencv_db"] = cls.Psnr - cv.Psnr;
            }
            if (Get("classsr int8 speed") is { } speed)
            {
                d["classsr_int8_speed_over_large_fp32_fps"] = speed.Fps / lf.Fps;
                d["classsr_int8_speed_minus_large_int8_db"] = speed.Psnr - li.Psnr;
                if (cv != null)
                {
                    d["classsr_int8_speed_over_opencv_fps"] = speed.Fps / cv.Fps;
                    d["classsr_int8_speed_minus_opencv_db"] = speed.Psnr - cv.Psnr;
                }
            }
            Console.WriteLine();
            foreach (var (k, v) in d)
                Console.WriteLine($"  {k,-38} {v,8:F3}");
            return d;
        }
    }
}
