using System.Diagnostics;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;
using OpenCvSharp;
using ClassSR.Edge.Bench;

namespace ClassSR.Edge.DevBench;

/// <summary>One clip the video bench plays, in stream order: LR frames and, where there are originals, their HR.</summary>
sealed record VideoClip(string Name, string What, YuvFrame[] Lr, YuvFrame[]? Hr);

public sealed class VideoModeResult
{
    public string Name { get; set; } = "";
    public double Fps { get; set; }
    public double MsPerFrame { get; set; }
    /// <summary>Pooled over the clip's frames in stream order (mean squared error over all frames, then PSNR); null without originals.</summary>
    public double? Psnr { get; set; }
    public double ReusedShare { get; set; }
    public double MacsRatio { get; set; }
    /// <summary>Mean ms per frame of each engine stage (detect, classify, plan, branches, chroma) over the timed frames.</summary>
    public Dictionary<string, double> StageMs { get; set; } = [];
}

public sealed class VideoResult
{
    public string Workload { get; set; } = "";
    public string Description { get; set; } = "";
    public string LrSize { get; set; } = "";
    public int Frames { get; set; }
    public List<VideoModeResult> Modes { get; set; } = [];
    public Dictionary<string, double> Summary { get; set; } = [];
}

/// <summary>
/// Temporal reuse measured on video: each clip played in stream order (a frame's output depends on the frames
/// before it), per-frame upscalers beside ClassSR with reuse, in interleaved rounds like the image bench.
/// </summary>
static class VideoBench
{
    // The bench library's names for the per-frame modes, and ClassSR INT8 with reuse beside them.
    static readonly BenchMode LargeFp32 = BenchMode.Named("large-fp32")!, ClassSrInt8 = BenchMode.Named("classsr-int8")!;
    const string Reuse = "classsr-int8-reuse";

    public static List<VideoResult> Run(string root, string shared, ModelSet set, int threads, double seconds, int rounds, bool openCv)
    {
        var results = new List<VideoResult>();
        foreach (var clip in Clips(root, shared, set.Scale))
        {
            Console.WriteLine();
            Console.WriteLine($"video {clip.Name}: {clip.Lr.Length} frames {clip.Lr[0].Width}x{clip.Lr[0].Height} -> {clip.Lr[0].Width * set.Scale}x{clip.Lr[0].Height * set.Scale}, {clip.What}");
            var runs = new List<ModeRun>
            {
                new EngineRun(LargeFp32.Name, new Upscaler(set, Options(LargeFp32, threads, reuse: false)), clip),
                new EngineRun(ClassSrInt8.Name, new Upscaler(set, Options(ClassSrInt8, threads, reuse: false)), clip),
                new EngineRun(Reuse, new Upscaler(set, Options(ClassSrInt8, threads, reuse: true)), clip),
            };
            if (openCv && set.Scale == 4)
                runs.Add(new OpenCvRun(new OpenCvPeer(shared, threads), clip));
            foreach (var r in runs)
                r.Quality();
            for (int round = 0; round < rounds; round++)
                foreach (var r in runs)
                    r.Round(seconds / rounds);
            var result = new VideoResult
            {
                Workload = clip.Name, Description = clip.What, Frames = clip.Lr.Length,
                LrSize = $"{clip.Lr[0].Width}x{clip.Lr[0].Height}",
            };
            Console.WriteLine($"  {"mode",-20} {"fps",8} {"ms",7} {"PSNR-Y",7} {"reused",7} {"MACs",6} {"detect",6} {"classify",8} {"plan",5} {"branches",8} {"chroma",6}");
            foreach (var r in runs)
            {
                var m = r.Finish();
                result.Modes.Add(m);
                Console.WriteLine($"  {m.Name,-20} {m.Fps,8:F1} {m.MsPerFrame,7:F2} {(m.Psnr is { } p ? p.ToString("F3") : "-"),7} {m.ReusedShare,7:P1} {m.MacsRatio,6:F3} " +
                    string.Join(" ", new[] { ("detect", 6), ("classify", 8), ("plan", 5), ("branches", 8), ("chroma", 6) }
                        .Select(c => m.StageMs.TryGetValue(c.Item1, out var v) ? v.ToString("F2").PadLeft(c.Item2) : "-".PadLeft(c.Item2))));
                r.Dispose();
            }
            Summarise(result);
            results.Add(result);
        }
        return results;
    }

    static EngineOptions Options(BenchMode mode, int threads, bool reuse)
    {
        var o = mode.Options(threads);
        o.Reuse = reuse;
        return o;
    }

    static void Summarise(VideoResult r)
    {
        VideoModeResult? Get(string n) => r.Modes.FirstOrDefault(m => m.Name == n);
        var (lf, off, on, cv) = (Get(LargeFp32.Name), Get(ClassSrInt8.Name), Get(Reuse), Get(OpenCvPeer.Name));
        if (lf is null || off is null || on is null)
            return;
        var d = r.Summary;
        d["reuse_over_large_fp32_fps"] = on.Fps / lf.Fps;
        d["reuse_over_no_reuse_fps"] = on.Fps / off.Fps;
        d["no_reuse_over_large_fp32_fps"] = off.Fps / lf.Fps;
        if (cv != null)
            d["reuse_over_opencv_fps"] = on.Fps / cv.Fps;
        if (on.Psnr is { } a && off.Psnr is { } b)
            d["reuse_minus_no_reuse_db"] = a - b;
        if (on.Psnr is { } c && cv?.Psnr is { } e)
            d["reuse_minus_opencv_db"] = c - e;
        d["reused_share"] = on.ReusedShare;
        foreach (var (k, v) in d)
            Console.WriteLine($"    {k,-30} {v,8:F3}");
    }

    /// <summary>
    /// The still-camera clips (tree.avi at its own size and x4-downscaled, the daemon's synthetic scene, a still picture
    /// under sensor noise) and the worst case for reuse, a pan where every cell changes.
    /// </summary>
    static IEnumerable<VideoClip> Clips(string root, string shared, int scale)
    {
        string? tree = TreeY4m(root, shared);
        if (tree != null)
        {
            var own = BenchFrames.Load(tree, groundTruth: false, maxFrames: 10_000);
            yield return new VideoClip("tree", "tree.avi as LR (a real still camera, leaves in wind, Cinepak)", own.Input, null);
            var hr = BenchFrames.Load(tree, groundTruth: true, maxFrames: 10_000, scale);
            yield return new VideoClip("tree-hr", $"tree.avi as HR, LR by our bicubic x{scale}", hr.Input, hr.Truth);
        }
        else
            Console.WriteLine("video: tree.avi skipped (no ../shared/datasets/video/tree.avi, or ffmpeg missing)");

        const int frames = 96, hw = 1280, hh = 720;
        var synthetic = new YuvFrame[frames];
        for (int i = 0; i < frames; i++)
        {
            synthetic[i] = new YuvFrame(hw, hh);
            SyntheticSource.Render(i, synthetic[i]);
        }
        yield return new VideoClip("synthetic", $"the daemon's synthetic scene rendered at 1280x720, LR by our bicubic x{scale}", BenchFrames.Downscale(synthetic, scale), synthetic);

        string b100 = Path.Combine(shared, "datasets", "test", "B100");
        if (!Directory.Exists(b100))
            yield break;
        var (canvas, cw, ch) = Mosaic(b100, 8, 3);
        var still = Window(canvas, cw, 0, hw, hh);
        var stillLr = BenchFrames.Downscale([still], scale)[0];
        var rng = new Random(1);
        var noisy = new YuvFrame[frames];
        for (int i = 0; i < frames; i++)
        {
            noisy[i] = new YuvFrame(stillLr.Width, stillLr.Height);
            Noise(stillLr, noisy[i], rng, 2.0);
        }
        yield return new VideoClip("still-noise", $"a still B100 mosaic, LR by our bicubic x{scale} plus Gaussian noise sigma 2 on every frame",
            noisy, Enumerable.Repeat(still, frames).ToArray());

        var pan = new YuvFrame[frames];
        for (int i = 0; i < frames; i++)
            pan[i] = Window(canvas, cw, 4 * i, hw, hh);
        yield return new VideoClip("pan", "a 1280x720 window sliding 4 HR pixels a frame across a B100 mosaic: every cell changes",
            BenchFrames.Downscale(pan, scale), pan);
    }

    /// <summary>tree.avi decoded by ffmpeg into artifacts/video (git-ignored), as ../shared/README.md says.</summary>
    static string? TreeY4m(string root, string shared)
    {
        string avi = Path.Combine(shared, "datasets", "video", "tree.avi");
        string y4m = Path.Combine(root, "artifacts", "video", "tree.y4m");
        if (File.Exists(y4m))
            return y4m;
        if (!File.Exists(avi))
            return null;
        Directory.CreateDirectory(Path.GetDirectoryName(y4m)!);
        try
        {
            using var p = Process.Start(new ProcessStartInfo("ffmpeg", ["-loglevel", "error", "-y", "-i", avi, "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", y4m + ".tmp"]))!;
            p.WaitForExit();
            if (p.ExitCode != 0)
                return null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        File.Move(y4m + ".tmp", y4m, overwrite: true);
        return y4m;
    }

    /// <summary>An RGB canvas of cols x rows 320x240 centre crops of the folder's images.</summary>
    static (byte[] Rgb, int W, int H) Mosaic(string dir, int cols, int rows)
    {
        const int cw = 320, ch = 240;
        var files = Evaluator.ListImages(dir);
        int w = cols * cw, h = rows * ch, next = 0;
        var rgb = new byte[w * h * 3];
        for (int gy = 0; gy < rows; gy++)
            for (int gx = 0; gx < cols; gx++)
            {
                var (img, iw, ih) = ImageFile.Load(files[next++ % files.Count]);
                int x0 = (iw - cw) / 2, y0 = (ih - ch) / 2;
                for (int y = 0; y < ch; y++)
                    img.AsSpan(((y0 + y) * iw + x0) * 3, cw * 3).CopyTo(rgb.AsSpan(((gy * ch + y) * w + gx * cw) * 3));
            }
        return (rgb, w, h);
    }

    static YuvFrame Window(byte[] rgb, int stride, int x0, int w, int h)
    {
        var crop = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            rgb.AsSpan((y * stride + x0) * 3, w * 3).CopyTo(crop.AsSpan(y * w * 3));
        var f = new YuvFrame(w, h);
        ColorConvert.RgbToYuv(crop, w, h, f);
        return f;
    }

    static void Noise(YuvFrame clean, YuvFrame noisy, Random rng, double sigma)
    {
        static byte Add(byte v, Random rng, double s)
        {
            // Box-Muller.
            double g = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            return (byte)Math.Clamp(Math.Round(v + s * g), 0, 255);
        }
        for (int i = 0; i < clean.Y.Length; i++) noisy.Y[i] = Add(clean.Y[i], rng, sigma);
        for (int i = 0; i < clean.U.Length; i++)
        {
            noisy.U[i] = Add(clean.U[i], rng, sigma / 2);
            noisy.V[i] = Add(clean.V[i], rng, sigma / 2);
        }
    }

    /// <summary>Pooled PSNR (<see cref="Metrics.PooledPsnr"/>): the mean squared error over every frame.</summary>
    sealed class PooledPsnr
    {
        double _mse;
        int _n;

        public void Add(double mse)
        {
            _mse += mse;
            _n++;
        }

        public double? Value => _n == 0 ? null : Metrics.PooledPsnr(_mse / _n);
    }

    abstract class ModeRun(string name, VideoClip clip) : IDisposable
    {
        protected readonly VideoClip Clip = clip;
        readonly List<double> _roundFps = [];
        protected readonly VideoModeResult Result = new() { Name = name };
        protected int Next;

        protected abstract void Frame(int i);
        /// <summary>One pass over the clip in stream order from a fresh start, scoring each frame against its original.</summary>
        public abstract void Quality();

        public void Round(double seconds)
        {
            int n = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds || n < 2)
            {
                Frame(Next++ % Clip.Lr.Length);
                n++;
            }
            _roundFps.Add(n / sw.Elapsed.TotalSeconds);
        }

        public virtual VideoModeResult Finish()
        {
            Result.Fps = EngineBench.Median(_roundFps);
            Result.MsPerFrame = 1000 / Result.Fps;
            return Result;
        }

        public abstract void Dispose();
    }

    sealed class EngineRun(string name, Upscaler up, VideoClip clip) : ModeRun(name, clip)
    {
        readonly YuvFrame _out = up.CreateOutput(clip.Lr[0]);
        double _reused, _macs;
        readonly double[] _stages = new double[5];
        long _frames;

        protected override void Frame(int i)
        {
            up.Upscale(Clip.Lr[i], _out);
            var s = up.Stats;
            _reused += s.ReusedShare;
            _macs += s.MacsRatio;
            _stages[0] += s.DetectMs; _stages[1] += s.ClassifyMs; _stages[2] += s.PlanMs; _stages[3] += s.BranchesMs; _stages[4] += s.ChromaMs;
            _frames++;
        }

        public override void Quality()
        {
            if (Clip.Hr is not { } hr)
                return;
            up.ResetHistory();
            var psnr = new PooledPsnr();
            for (int i = 0; i < Clip.Lr.Length; i++)
            {
                up.Upscale(Clip.Lr[i], _out);
                psnr.Add(Metrics.MseY(_out.Y, hr[i].Y, _out.Width, _out.Height));
            }
            Result.Psnr = psnr.Value;
            // The timed rounds start from the clip's first frame with an empty cache, as a stream would.
            up.ResetHistory();
        }

        public override VideoModeResult Finish()
        {
            Result.ReusedShare = _frames == 0 ? 0 : _reused / _frames;
            Result.MacsRatio = _frames == 0 ? 0 : _macs / _frames;
            string[] names = ["detect", "classify", "plan", "branches", "chroma"];
            for (int k = 0; k < names.Length; k++)
                Result.StageMs[names[k]] = _frames == 0 ? 0 : Math.Round(_stages[k] / _frames, 3);
            return base.Finish();
        }

        public override void Dispose() => up.Dispose();
    }

    /// <summary>OpenCV's FSRCNN on every frame (it has no notion of reuse); BGR inputs made before timing.</summary>
    sealed class OpenCvRun : ModeRun
    {
        readonly OpenCvPeer _peer;
        readonly Mat[] _ins;

        public OpenCvRun(OpenCvPeer peer, VideoClip clip) : base(OpenCvPeer.Name, clip)
        {
            _peer = peer;
            _ins = [.. clip.Lr.Select(OpenCvPeer.FromYuv)];
        }

        protected override void Frame(int i) => _peer.Upsample(_ins[i]);

        public override void Quality()
        {
            if (Clip.Hr is not { } hr)
                return;
            var psnr = new PooledPsnr();
            var y = new YuvFrame(Clip.Lr[0].Width * 4, Clip.Lr[0].Height * 4);
            for (int i = 0; i < _ins.Length; i++)
            {
                _peer.Upsample(_ins[i]);
                ColorConvert.RgbToYuv(_peer.OutputRgb(), _peer.Width, _peer.Height, y);
                psnr.Add(Metrics.MseY(y.Y, hr[i].Y, _peer.Width, _peer.Height));
            }
            Result.Psnr = psnr.Value;
        }

        public override void Dispose()
        {
            foreach (var m in _ins) m.Dispose();
            _peer.Dispose();
        }
    }
}
