using System.Diagnostics;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Evaluation;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Bench;

/// <summary>
/// A file source's frames, read into memory before timing so disk reads are not in the figures. With ground
/// truth, the source frames are the originals (HR) and the pipeline's input is them downscaled x4 with our
/// MATLAB-compatible bicubic, the SR field's protocol.
/// </summary>
public sealed class BenchFrames
{
    public required YuvFrame[] Input { get; init; }
    /// <summary>The originals the x4 output is compared with; null without ground truth.</summary>
    public YuvFrame[]? Truth { get; init; }
    public required string Spec { get; init; }
    /// <summary>Damaged frames the file held, skipped while loading.</summary>
    public long CorruptFrames { get; init; }
    /// <summary>The rate the file says it was shot at (a y4m header's); 0 for an image folder.</summary>
    public double Fps { get; init; }
    /// <summary><see cref="Mosaic"/>: each original's luma from its RGB (the SR field's PSNR-Y reference, unrounded).</summary>
    public double[][]? TruthLuma { get; init; }
    /// <summary><see cref="Mosaic"/>: each input in RGB, for peers that take RGB (OpenCV).</summary>
    public byte[][]? InputRgb { get; init; }

    public const string GroundTruthText = "the source frames themselves (HR); the pipeline's input is each frame downscaled x4 " +
        "with BicubicResizer (MATLAB imresize bicubic, antialiased); PSNR-Y/SSIM-Y on the BT.601 luma plane, 4-pixel border crop";

    /// <summary>True when <paramref name="spec"/> names something to preload (a y4m file or an image folder) rather than a live source.</summary>
    public static bool IsFile(string spec) => Directory.Exists(spec) || Y4mPath(spec) is { } p && p != "-" && File.Exists(p);

    static string? Y4mPath(string spec) =>
        spec.StartsWith("y4m:", StringComparison.Ordinal) ? spec[4..] : spec.EndsWith(".y4m", StringComparison.OrdinalIgnoreCase) ? spec : null;

    /// <param name="groundTruth">Treat the frames as HR originals (always so for an image folder).</param>
    /// <param name="scale">The model set's: ground truth is downscaled by it.</param>
    /// <exception cref="IOException">Unreadable, empty, or too small.</exception>
    public static BenchFrames Load(string spec, bool groundTruth, int maxFrames, int scale = ModelSet.DefaultScale)
    {
        List<YuvFrame> frames;
        long corrupt = 0;
        double fps = 0;
        if (Directory.Exists(spec))
        {
            groundTruth = true;
            var rgb = Evaluator.ListImages(spec).Take(maxFrames).Select(ImageFile.Load).ToList();
            // One size for all, so the pipeline does not rebuild its planner between frames.
            int w = rgb.Min(i => i.Width) / 8 * 8, h = rgb.Min(i => i.Height) / 8 * 8;
            frames = [.. rgb.Select(i =>
            {
                var f = new YuvFrame(w, h);
                ColorConvert.RgbToYuv(CropRgb(i.Rgb, i.Width, w, h), w, h, f);
                return f;
            })];
        }
        else
        {
            using var y4m = new Y4mSource(Y4mPath(spec) ?? throw new IOException($"{spec}: not a y4m file or an image folder"), loop: false, fps: 1000);
            y4m.Open();
            frames = [];
            var frame = new YuvFrame(y4m.Width, y4m.Height);
            while (frames.Count < maxFrames && y4m.Read(frame, out _, CancellationToken.None))
            {
                frames.Add(frame);
                frame = new YuvFrame(y4m.Width, y4m.Height);
            }
            if (frames.Count == 0)
                throw new IOException($"{spec}: no frames");
            corrupt = y4m.CorruptFrames;
            fps = y4m.Header?.Fps ?? 0;
            if (groundTruth)
                frames = [.. frames.Select(f => Crop(f, f.Width / 8 * 8, f.Height / 8 * 8))];
        }
        if (!groundTruth)
            return new BenchFrames { Input = [.. frames], Spec = spec, CorruptFrames = corrupt, Fps = fps };
        var (hw, hh) = (frames[0].Width, frames[0].Height);
        if (hw < 64 || hh < 64)
            throw new IOException($"{spec}: {hw}x{hh} is too small to downscale x{scale} for ground truth");
        return new BenchFrames { Input = Downscale(frames, scale), Truth = [.. frames], Spec = spec, CorruptFrames = corrupt, Fps = fps };
    }

    /// <summary>
    /// The engine bench's frames: 1280x720 originals, each a 4x3 mosaic of 320x240 centre crops of different images in
    /// <paramref name="dir"/>, the input each one downscaled by <paramref name="scale"/> with our bicubic in RGB.
    /// </summary>
    public static BenchFrames Mosaic(string dir, int count, int scale)
    {
        const int hw = 1280, hh = 720, cw = 320, ch = 240;
        var files = Evaluator.ListImages(dir);
        var (input, truth, luma, rgbIn) = (new YuvFrame[count], new YuvFrame[count], new double[count][], new byte[count][]);
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
            rgbIn[f] = Evaluator.Downscale(hr, hw, hh, scale);
            input[f] = new YuvFrame(hw / scale, hh / scale);
            ColorConvert.RgbToYuv(rgbIn[f], hw / scale, hh / scale, input[f]);
            truth[f] = new YuvFrame(hw, hh);
            ColorConvert.RgbToYuv(hr, hw, hh, truth[f]);
            luma[f] = new double[hw * hh];
            ColorConvert.RgbToYFloat(hr, hw, hh, luma[f]);
        }
        return new BenchFrames { Input = input, Truth = truth, TruthLuma = luma, InputRgb = rgbIn, Spec = $"mosaics of {dir}" };
    }

    /// <summary>Each frame downscaled by <paramref name="scale"/> with our MATLAB-compatible bicubic, luma and chroma planes alike (sizes multiples of 8).</summary>
    public static YuvFrame[] Downscale(IReadOnlyList<YuvFrame> frames, int scale)
    {
        var (hw, hh) = (frames[0].Width, frames[0].Height);
        var down = new YuvResizer(hw, hh, hw / scale, hh / scale);
        return [.. frames.Select(f =>
        {
            var lr = new YuvFrame(hw / scale, hh / scale, f.Range);
            down.Resize(f, lr);
            return lr;
        })];
    }

    static byte[] CropRgb(byte[] rgb, int stride, int w, int h)
    {
        var o = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            rgb.AsSpan(y * stride * 3, w * 3).CopyTo(o.AsSpan(y * w * 3));
        return o;
    }

    /// <summary>Top-left crop of a 4:2:0 frame (even sizes).</summary>
    public static YuvFrame Crop(YuvFrame f, int w, int h)
    {
        if (f.Width == w && f.Height == h)
            return f;
        var o = new YuvFrame(w, h, f.Range);
        for (int y = 0; y < h; y++)
            f.Y.AsSpan(y * f.YStride, w).CopyTo(o.Y.AsSpan(y * o.YStride));
        for (int y = 0; y < o.ChromaHeight; y++)
        {
            f.U.AsSpan(y * f.ChromaStride, o.ChromaWidth).CopyTo(o.U.AsSpan(y * o.ChromaStride));
            f.V.AsSpan(y * f.ChromaStride, o.ChromaWidth).CopyTo(o.V.AsSpan(y * o.ChromaStride));
        }
        return o;
    }
}

/// <summary>
/// Plays preloaded frames in a loop with one frame in flight: the next is read only once the sink has the
/// previous, so a file runs as fast as the pipeline goes and none is dropped (a live source would instead
/// be paced by its camera and drop what the upscaler cannot keep up with).
/// </summary>
/// <remarks>Paced (<paramref name="fps"/> above 0), it plays them at that rate instead, as a camera would.</remarks>
public sealed class PreloadedSource(string name, YuvFrame[] frames, double fps = 0) : IFrameSource
{
    readonly SemaphoreSlim _inFlight = new(1, 1);
    readonly Pacer? _pacer = fps > 0 ? new Pacer(fps) : null;
    int _next;

    public string Name => name;
    public int Width => frames[0].Width;
    public int Height => frames[0].Height;
    public double Fps => fps;
    /// <summary>The index in the preloaded frames of the frame with pipeline sequence number <paramref name="sequence"/> (from 1).</summary>
    public int IndexOf(long sequence) => (int)((sequence - 1) % frames.Length);
    public bool EndIsFinal => false;
    public long CorruptFrames => 0;

    public void Open() { }

    public bool Read(YuvFrame destination, out long capturedTicks, CancellationToken cancel)
    {
        capturedTicks = 0;
        if (_pacer != null)
        {
            if (!_pacer.Wait(cancel))
                return false;
            frames[_next++ % frames.Length].CopyTo(destination);
            capturedTicks = Stopwatch.GetTimestamp();
            return true;
        }
        try
        {
            // Bounded, so a frame lost on the way (it should not be) stalls the run for a moment, not forever.
            _inFlight.Wait(TimeSpan.FromSeconds(2), cancel);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        frames[_next++ % frames.Length].CopyTo(destination);
        capturedTicks = Stopwatch.GetTimestamp();
        return true;
    }

    /// <summary>The sink has the frame: the next may be read.</summary>
    public void Delivered()
    {
        try { _inFlight.Release(); } catch (SemaphoreFullException) { }
    }

    public void Close() { }

    public void Dispose() => _inFlight.Dispose();
}

/// <summary>One frame as the bench sink saw it.</summary>
public readonly record struct FrameRecord(string Mode, long Sequence, long ArrivedTicks, double QueueMs, double UpscaleMs,
    double ClassifyMs, double BranchesMs, double DeliverMs, double EndToEndMs, double MacsRatio, double Simple, double Medium, double Hard,
    double Reused, int Level = 0, double Mse = double.NaN);

/// <summary>Records every frame's stage timestamps and routing as it arrives at the end of the pipeline.</summary>
/// <param name="score">Paced runs: the frame's squared error against its original, on the sink's thread; null: none.</param>
public sealed class BenchSink(string mode, Action? delivered, Func<PipelineFrame, double>? score = null) : FrameSink("bench")
{
    readonly Lock _gate = new();
    readonly List<FrameRecord> _records = [];

    protected override void Consume(PipelineFrame frame)
    {
        long now = Stopwatch.GetTimestamp();
        if (!frame.NoSignal)
        {
            double f = 1000.0 / Stopwatch.Frequency;
            double toUpscaled = (frame.UpscaledTicks - frame.CapturedTicks) * f;
            var st = frame.Stats;
            var r = new FrameRecord(mode, frame.Sequence, now, Math.Max(0, toUpscaled - frame.UpscaleMs), frame.UpscaleMs,
                st.ClassifyMs, st.BranchesMs, (now - frame.UpscaledTicks) * f, (now - frame.CapturedTicks) * f,
                st.MacsRatio, st.Share(0), st.Share(1), st.Share(2), st.ReusedShare, frame.HoldLevel, score?.Invoke(frame) ?? double.NaN);
            lock (_gate)
                _records.Add(r);
        }
        delivered?.Invoke();
    }

    /// <summary>Frames that arrived in (from, to].</summary>
    public List<FrameRecord> Between(long from, long to)
    {
        lock (_gate)
            return [.. _records.Where(r => r.ArrivedTicks > from && r.ArrivedTicks <= to)];
    }
}
