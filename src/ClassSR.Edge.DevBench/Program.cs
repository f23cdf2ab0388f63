using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClassSR.Edge.Bench;
using ClassSR.Edge.DevBench;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;
using CpuFeatures = ClassSR.Edge.Inference.CpuFeatures;

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
    using var peer = new OpenCvPeer(shared, threads);
    var report = new EvalReport { Mode = OpenCvPeer.Name, Precision = "fp32", Hr = evalHr, Degrade = degrade.ToString() };
    foreach (var (hr, _) in Evaluator.Images(evalHr, null))
    {
        var pair = Evaluator.Prepare(hr, null, degrade, 4);
        using (var input = OpenCvPeer.FromRgb(pair.LrRgb, pair.Lr.Width, pair.Lr.Height))
            peer.Upsample(input);
        var srY = new double[pair.Width * pair.Height];
        ColorConvert.RgbToYFloat(peer.OutputRgb(), pair.Width, pair.Height, srY);
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
    WriteJson(new DevBenchReport { Machine = Machine(), Threads = threads, OnnxRuntime = OrtHost.Version, Video = clips });
    return 0;
}
var frames = BenchFrames.Mosaic(Path.Combine(shared, "datasets", "test", "B100"), 8, scale);
var lr0 = frames.Input[0];
Console.WriteLine($"bench: {frames.Input.Length} frames {lr0.Width}x{lr0.Height} -> {lr0.Width * scale}x{lr0.Height * scale} " +
    $"({frames.Spec}), {threads} threads, {seconds:F0} s per mode in {rounds} interleaved rounds (median round), " +
    $"cpu: {CpuFeatures.Describe()}");
var set = ModelSet.Load(models);
var results = new List<EngineModeResult>();
var runs = new List<EngineBench.Run>();

// The field bench's modes (ClassSR as the daemon runs video: the classifier skipped for 7 frames after a frame planned
// as the large branch whole, EngineOptions.ReclassifyEvery), then ClassSR with the classifier on every frame, as stills
// run, and at the speed setting.
var modes = new List<BenchMode>(BenchMode.All) { BenchMode.EveryFrame };
if (speedBias != 0)
    modes.Add(BenchMode.Speed(speedBias));
foreach (var mode in modes)
{
    if (only != null && !mode.Name.Equals(only, StringComparison.OrdinalIgnoreCase)) continue;
    var options = mode.Options(threads);
    options.RunOverheadMacs = runOverhead;
    runs.Add(EngineBench.Warm(mode.Name, new Upscaler(set, options), frames));
}
using var openCv = noOpenCv ? null : new PeerRun(new OpenCvPeer(shared, threads), frames);
for (int round = 0; round < rounds; round++)
{
    foreach (var run in runs)
        EngineBench.Round(run, frames, seconds / rounds);
    openCv?.Round(seconds / rounds);
}
Console.WriteLine(EngineBench.Header);
foreach (var run in runs)
{
    results.Add(EngineBench.Finish(run));
    Console.WriteLine(EngineBench.Row(results[^1]));
    if (run.Up.Options.Precision == Precision.Auto && run.Up.Mode == UpscaleMode.ClassSR) Console.WriteLine($"  ({run.Up.PrecisionLabel})");
    run.Up.Dispose();
}
var peerResult = openCv?.Finish();
if (peerResult != null)
{
    results.Add(peerResult);
    Console.WriteLine(EngineBench.Row(peerResult));
}

if (only != null) return 0;
var peak = EngineBench.GemmPeak(Path.Combine(root, "src", "ClassSR.Edge.Bench", "fixtures"), threads);
Console.WriteLine($"ONNX Runtime GEMM peak ({peak.Size}^3): INT8 MatMulInteger {peak.Int8Gmacs:F1} GMAC/s, FP32 MatMul {peak.Fp32Gmacs:F1} GMAC/s");
var summary = EngineBench.Summary(results, peak, peerResult);
Console.WriteLine();
foreach (var (k, v) in summary)
    Console.WriteLine($"  {k,-38} {v,8:F3}");
var videoResults = video == "off" ? [] : VideoBench.Run(root, shared, set, threads, videoSeconds, rounds, !noOpenCv);
WriteJson(new DevBenchReport
{
    Machine = Machine(),
    Threads = threads,
    Frames = frames.Input.Length,
    LrSize = $"{lr0.Width}x{lr0.Height}",
    OnnxRuntime = OrtHost.Version,
    Modes = results,
    Peak = peak,
    Summary = summary,
    Video = videoResults,
});
return 0;

string Machine() => $"{Environment.ProcessorCount} cores, {CpuFeatures.Describe()}";

void WriteJson(DevBenchReport report)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
    File.WriteAllText(json, JsonSerializer.Serialize(report, DevBenchJson.Default.DevBenchReport));
    Console.WriteLine($"bench: wrote {json}");
}

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

namespace ClassSR.Edge.DevBench
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

    /// <summary>The development bench's JSON: the engine bench's modes with the peer's row, the GEMM peak, the video clips.</summary>
    public sealed class DevBenchReport
    {
        public string Machine { get; set; } = "";
        public int Threads { get; set; }
        public int Frames { get; set; }
        public string LrSize { get; set; } = "";
        public string OnnxRuntime { get; set; } = "";
        public List<EngineModeResult> Modes { get; set; } = [];
        public GemmPeakResult Peak { get; set; } = new();
        public Dictionary<string, double> Summary { get; set; } = [];
        public List<VideoResult> Video { get; set; } = [];
    }

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
    [JsonSerializable(typeof(DevBenchReport))]
    sealed partial class DevBenchJson : JsonSerializerContext;

    /// <summary>The peer on the engine bench's frames: loaded and scored once, then timed in rounds like the engine's modes.</summary>
    sealed class PeerRun : IDisposable
    {
        readonly OpenCvPeer _peer;
        readonly OpenCvSharp.Mat[] _ins;
        readonly List<double> _roundFps = [];
        readonly EngineModeResult _result;

        public PeerRun(OpenCvPeer peer, BenchFrames frames)
        {
            _peer = peer;
            var rgb = frames.InputRgb ?? throw new ArgumentException("the peer needs RGB inputs (BenchFrames.Mosaic)");
            _ins = [.. frames.Input.Select((f, i) => OpenCvPeer.FromRgb(rgb[i], f.Width, f.Height))];
            double psnr = 0;
            for (int i = 0; i < _ins.Length; i++)
            {
                peer.Upsample(_ins[i]);
                var y = new double[peer.Width * peer.Height];
                ColorConvert.RgbToYFloat(peer.OutputRgb(), peer.Width, peer.Height, y);
                psnr += Metrics.PsnrY(y, frames.TruthLuma![i], peer.Width, peer.Height);
            }
            _result = new EngineModeResult { Name = OpenCvPeer.Name, Precision = "fp32", Psnr = psnr / _ins.Length };
        }

        public void Round(double seconds)
        {
            int n = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds || n < 2 * _ins.Length)
            {
                _peer.Upsample(_ins[n % _ins.Length]);
                n++;
            }
            _roundFps.Add(n * 1000 / sw.Elapsed.TotalMilliseconds);
        }

        /// <summary>fps of the median round.</summary>
        public EngineModeResult Finish()
        {
            _result.Fps = EngineBench.Median(_roundFps);
            _result.MsPerFrame = 1000 / _result.Fps;
            _result.StageMs = new() { ["total"] = _result.MsPerFrame };
            return _result;
        }

        public void Dispose()
        {
            foreach (var m in _ins) m.Dispose();
            _peer.Dispose();
        }
    }
}
