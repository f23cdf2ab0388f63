using System.Diagnostics;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Engine;

public enum UpscaleMode { ClassSR, Small, Medium, Large, Bicubic }

public sealed class EngineOptions
{
    public UpscaleMode Mode { get; set; } = UpscaleMode.ClassSR;
    public Precision Precision { get; set; } = Precision.Auto;
    public int Threads { get; set; } = Environment.ProcessorCount;
    /// <summary>Logit offsets (simple, medium, hard) added before the argmax.</summary>
    public float[] ClassBias { get; set; } = [0, 0, 0];
    /// <summary>1 reproduces the reference's tile-at-a-time execution (halo per tile); for tests and benchmarks.</summary>
    public int MaxRegionCells { get; set; } = int.MaxValue;
    /// <summary>Upper bound on a region's padded LR pixels (see <see cref="RegionPlanner.MaxRegionPixels"/>).</summary>
    public long MaxRegionPixels { get; set; } = RegionPlanner.DefaultMaxRegionPixels;
    /// <summary>
    /// For video. After a frame whose plan was the large branch on the whole frame (routing saved nothing: detail
    /// everywhere), the next <c>ReclassifyEvery - 1</c> frames of that size run the same plan without the classifier.
    /// That plan is the best quality the set has, so skipping costs no quality. It can only delay a saving, by at most
    /// this many frames, after the scene turns flat. 1 classifies every frame, as stills need.
    /// </summary>
    public int ReclassifyEvery { get; set; } = 1;
    /// <summary>What the daemon and the benchmarks use for video: at 30 fps a flat scene is routed again within 0.27 s.</summary>
    public const int VideoReclassifyEvery = 8;
    public bool Promote { get; set; } = true;
    /// <summary>The planner's price of one branch call, in MACs: what promotion weighs against halos.</summary>
    public double RunOverheadMacs { get; set; } = 1e7;
    /// <summary>
    /// Price the branches by their run time, measured at start-up on this CPU, instead of by MACs: ONNX Runtime's INT8
    /// kernels run narrow layers far below their MAC rate (here the medium branch took as long per pixel as the large
    /// one at 64% of its MACs). False keeps plans identical from run to run and machine to machine (tests).
    /// </summary>
    public bool MeasureCosts { get; set; } = true;

    /// <summary>These options in another mode (the GPIO button's A/B switch): a copy, so no option is left behind.</summary>
    public EngineOptions WithMode(UpscaleMode mode)
    {
        var o = (EngineOptions)MemberwiseClone();
        o.Mode = mode;
        return o;
    }
}

/// <summary>What one frame cost and how it was routed.</summary>
public sealed class FrameStats
{
    public readonly int[] ClassCells = new int[3];
    public int Cells, Regions, BranchCalls;
    /// <summary>The frame reused the last classified frame's whole-frame plan (<see cref="EngineOptions.ReclassifyEvery"/>).</summary>
    public bool ClassifierSkipped;
    public double Macs, MacsRatio;
    public double PrepareMs, ClassifyMs, PlanMs, BranchesMs, ChromaMs, TotalMs;

    public double Share(int k) => Cells == 0 ? 0 : (double)ClassCells[k] / Cells;

    /// <summary>Copies every figure into <paramref name="d"/> (no allocation), so a frame can carry its own stats downstream.</summary>
    public void CopyTo(FrameStats d)
    {
        ClassCells.CopyTo(d.ClassCells, 0);
        (d.Cells, d.Regions, d.BranchCalls, d.Macs, d.MacsRatio) = (Cells, Regions, BranchCalls, Macs, MacsRatio);
        d.ClassifierSkipped = ClassifierSkipped;
        (d.PrepareMs, d.ClassifyMs, d.PlanMs, d.BranchesMs, d.ChromaMs, d.TotalMs) = (PrepareMs, ClassifyMs, PlanMs, BranchesMs, ChromaMs, TotalMs);
    }
}

/// <summary>
/// The x4 engine: LR frame -> tiles -> classify -> plan regions -> branches -> merge, luma by
/// the networks and chroma by bicubic. Sessions, buffers and bindings are made once; a frame of a
/// size seen before allocates nothing.
/// </summary>
public sealed class Upscaler : IDisposable
{
    public const int Scale = 4;
    readonly ModelSet _models;
    readonly OnnxNet? _classifierNet;
    readonly OnnxNet?[] _branchNets = new OnnxNet?[3];
    readonly TileClassifier? _classifier;
    readonly BranchRunner? _runner;
    readonly Region[] _single = new Region[1];
    readonly BranchCost[] _costs = new BranchCost[3];
    FrameShape? _shape;
    int _skipClassifier;
    const byte Hardest = 2;

    public EngineOptions Options { get; }
    public Precision Precision { get; }
    public UpscaleMode Mode => Options.Mode;
    public FrameStats Stats { get; } = new();
    public ModelSet Models => _models;
    public double LargeMacsPerPixel { get; }
    /// <summary>The grid and the class each cell was routed to (after promotion) in the last frame.</summary>
    public TileGrid LastGrid => _shape?.Grid ?? default;
    public ReadOnlySpan<byte> LastClasses => _shape is null ? default : _shape.Classes;

    /// <summary>Per-frame-size state: planner, buffers, resizers.</summary>
    sealed class FrameShape
    {
        public required int Width, Height;
        public required TileGrid Grid;
        public required RegionPlanner Planner;
        public required byte[] Classes;
        public required BicubicResizer Chroma;
        public BicubicResizer? Luma;
    }

    public Upscaler(ModelSet models, EngineOptions options)
    {
        _models = models;
        Options = options;
        Precision = CpuFeatures.Resolve(options.Precision);
        Array.Fill(BranchPrecisions, Precision);
        if (options.Mode == UpscaleMode.Bicubic)
        {
            LargeMacsPerPixel = models.Find("large", Precision).MacsPerLrPixel;
            return;
        }
        try
        {
            if (options.Mode == UpscaleMode.ClassSR)
            {
                _classifierNet = new OnnxNet(models, models.Find(Roles.Classifier, Precision), options.Threads);
                _classifier = new TileClassifier(_classifierNet);
                options.ClassBias.AsSpan(0, 3).CopyTo(_classifier.Bias);
                for (int k = 0; k < 3; k++)
                    _branchNets[k] = LoadBranch(k);
            }
            else
                _branchNets[(int)options.Mode - 1] = LoadBranch((int)options.Mode - 1);
        }
        catch
        {
            Dispose();
            throw;
        }
        for (int k = 0; k < 3; k++)
        {
            if (_branchNets[k] is { } n)
                _costs[k] = new BranchCost(n.MacsPerLrPixel, n.Halo);
            else
            {
                var e = models.Find(Roles.Branches[k], Precision);
                _costs[k] = new BranchCost(e.MacsPerLrPixel, e.Halo);
            }
        }
        LargeMacsPerPixel = _branchNets[2]?.MacsPerLrPixel ?? models.Find("large", Precision).MacsPerLrPixel;
        RunOverheadMacs = options.RunOverheadMacs;
        if (options.Mode == UpscaleMode.ClassSR && options.MeasureCosts)
            MeasureCosts();
        NativeHeap.ReleaseFreed();
        // Unused classes point at the one net loaded; the planner never routes to them.
        var any = _branchNets.First(n => n != null)!;
        _runner = new BranchRunner([.. _branchNets.Select(n => n ?? any)]);
    }

    /// <summary>
    /// With --precision auto each branch runs in whichever precision is faster on this CPU, timed at start-up:
    /// INT8 is not faster everywhere (here the small branch ran 5.1 ms in FP32 and 7.9 ms in INT8 at 320x180,
    /// while the large one ran 18.0 and 12.6 ms).
    /// </summary>
    OnnxNet LoadBranch(int k)
    {
        string role = Roles.Branches[k];
        if (Options.Precision != Precision.Auto || Precision == Precision.Fp32)
            return new OnnxNet(_models, _models.Find(role, Precision), Options.Threads);
        var a = new OnnxNet(_models, _models.Find(role, Precision.Int8), Options.Threads);
        var b = new OnnxNet(_models, _models.Find(role, Precision.Fp32), Options.Threads);
        // Timed on a region the size frames are cut into, not a single tile: at 96x96, three runs each, per-call
        // overheads and a shared machine's noise once picked FP32 for a large branch that ran 1.6x faster in INT8.
        bool int8 = a.BestRunMs(174, 110, 5) <= b.BestRunMs(174, 110, 5);
        (int8 ? b : a).Dispose();
        BranchPrecisions[k] = int8 ? Precision.Int8 : Precision.Fp32;
        return int8 ? a : b;
    }

    /// <summary>The price of one branch call the planner weighs, in MACs of the large branch.</summary>
    public double RunOverheadMacs { get; private set; }

    /// <summary>
    /// Times each branch on a one-tile region and on a larger one and fits t = a + b * pixels, then restates both in
    /// large-branch MACs, the planner's unit: per pixel b_k / b_large * MACs_large, per call a / b_large * MACs_large.
    /// Rounded (per-pixel to 1/16 of large, per call to a power of two), so a rerun on the same machine plans the same.
    /// </summary>
    void MeasureCosts()
    {
        ReadOnlySpan<(int W, int H)> shapes = [(46, 46), (174, 110)];
        double p0 = shapes[0].W * shapes[0].H;
        var perPixel = new double[3];
        double perCall = 0;
        for (int k = 0; k < 3; k++)
        {
            var (a, b) = _branchNets[k]!.RunCost(shapes, 3);
            perPixel[k] = Math.Max(b, 1e-9);
            // The call's cost at the small shape's time with the clamped slope (a + b * p0 is that time).
            perCall = Math.Max(perCall, a + (b - perPixel[k]) * p0);
        }
        double macsPerMs = LargeMacsPerPixel / perPixel[2];
        for (int k = 0; k < 3; k++)
        {
            double ratio = Math.Clamp(Math.Round(perPixel[k] / perPixel[2] * 16) / 16, 1.0 / 16, 1);
            _costs[k] = new BranchCost(ratio * LargeMacsPerPixel, _costs[k].Halo);
        }
        RunOverheadMacs = perCall > 0 ? Math.Pow(2, Math.Round(Math.Log2(perCall * macsPerMs))) : 0;
    }

    /// <summary>The planner's per-pixel price of each branch, in MACs (measured or nominal, see EngineOptions.MeasureCosts).</summary>
    public ReadOnlySpan<BranchCost> BranchCosts => _costs;

    /// <summary>The model file branch k runs (null when this mode does not use it).</summary>
    public string? BranchFile(int k) => _branchNets[k]?.File;

    /// <summary>The precision each branch runs in (differs between branches only with --precision auto).</summary>
    public Precision[] BranchPrecisions { get; } = [Precision.Fp32, Precision.Fp32, Precision.Fp32];

    public string PrecisionLabel => Options.Precision == Precision.Auto && Mode == UpscaleMode.ClassSR
        ? "auto (" + string.Join(", ", Roles.Branches.Select((r, k) => $"{r} {BranchPrecisions[k].ToString().ToLowerInvariant()}")) + ")"
        : Precision.ToString().ToLowerInvariant();

    FrameShape ShapeFor(int w, int h)
    {
        if (_shape is { } s && s.Width == w && s.Height == h)
            return s;
        var grid = new TileGrid(w, h, _models.Manifest.Tile);
        var planner = new RegionPlanner(grid, _costs)
        {
            MaxRegionCells = Options.MaxRegionCells,
            MaxRegionPixels = Options.MaxRegionPixels,
            // One branch on the whole frame has nothing to promote to.
            Promote = Options.Promote && Mode == UpscaleMode.ClassSR,
            RunOverheadMacs = RunOverheadMacs,
        };
        int cw = (w + 1) / 2, ch = (h + 1) / 2;
        _skipClassifier = 0;
        _shape = new FrameShape
        {
            Width = w,
            Height = h,
            Grid = grid,
            Planner = planner,
            Classes = new byte[grid.Count],
            Chroma = new BicubicResizer(cw, ch, (w * Scale + 1) / 2, (h * Scale + 1) / 2),
            Luma = Mode == UpscaleMode.Bicubic ? new BicubicResizer(w, h, w * Scale, h * Scale) : null,
        };
        if (Mode is UpscaleMode.Small or UpscaleMode.Medium or UpscaleMode.Large)
        {
            _shape.Classes.AsSpan().Fill((byte)(Mode - 1));
            planner.Plan(_shape.Classes);
        }
        return _shape;
    }

    /// <summary>Makes an output frame of the right size for this input (allocates; call once and reuse).</summary>
    public static YuvFrame CreateOutput(YuvFrame lr) => new(lr.Width * Scale, lr.Height * Scale, lr.Range);

    public void Upscale(YuvFrame lr, YuvFrame hr)
    {
        if (hr.Width != lr.Width * Scale || hr.Height != lr.Height * Scale)
            throw new ArgumentException($"output must be {lr.Width * Scale}x{lr.Height * Scale}, is {hr.Width}x{hr.Height}");
        long t0 = Stopwatch.GetTimestamp();
        hr.Range = lr.Range;
        var s = ShapeFor(lr.Width, lr.Height);
        var st = Stats;
        st.Cells = s.Grid.Count;
        Array.Clear(st.ClassCells);
        st.ClassifyMs = st.PlanMs = st.BranchesMs = 0;
        st.Regions = st.BranchCalls = 0;
        st.Macs = 0;
        long t1 = t0;
        if (Mode == UpscaleMode.Bicubic)
        {
            s.Luma!.Resize(lr.Y, lr.YStride, hr.Y, hr.YStride);
            st.PrepareMs = Ms(t0, t1 = Stopwatch.GetTimestamp());
        }
        else
        {
            // The models take the frame's luma bytes as they are.
            var plane = lr.Y.AsSpan(0, lr.Width * lr.Height);
            long tp = Stopwatch.GetTimestamp();
            st.PrepareMs = Ms(t0, tp);
            ReadOnlySpan<Region> regions;
            st.ClassifierSkipped = false;
            if (Mode == UpscaleMode.ClassSR && _skipClassifier > 0)
            {
                // The planner still holds the last classified frame's plan: the hardest branch on the whole frame.
                _skipClassifier--;
                st.ClassifierSkipped = true;
                st.ClassCells[^1] = s.Grid.Count;
                regions = s.Planner.Regions;
            }
            else if (Mode == UpscaleMode.ClassSR)
            {
                _classifier!.Classify(plane, s.Grid, s.Classes);
                st.Macs += _classifier.Macs(s.Grid);
                long tc = Stopwatch.GetTimestamp();
                st.ClassifyMs = Ms(tp, tc);
                foreach (var c in s.Classes) st.ClassCells[c]++;
                s.Planner.Plan(s.Classes);
                regions = s.Planner.Regions;
                if (Options.ReclassifyEvery > 1 && s.Classes.AsSpan().IndexOfAnyExcept(Hardest) < 0)
                    _skipClassifier = Options.ReclassifyEvery - 1;
                tp = Stopwatch.GetTimestamp();
                st.PlanMs = Ms(tc, tp);
            }
            else
            {
                int k = (int)Mode - 1;
                st.ClassCells[k] = s.Grid.Count;
                // Planned once per frame size in ShapeFor: the whole frame, in stripes only if it is huge.
                regions = s.Planner.Regions;
            }
            st.Regions = regions.Length;
            var (macs, calls) = _runner!.Run(plane, lr.Width, regions, hr.Y, hr.YStride);
            st.Macs += macs;
            st.BranchCalls = calls;
            t1 = Stopwatch.GetTimestamp();
            st.BranchesMs = Ms(tp, t1);
        }
        s.Chroma.Resize(lr.U, lr.ChromaStride, hr.U, hr.ChromaStride);
        s.Chroma.Resize(lr.V, lr.ChromaStride, hr.V, hr.ChromaStride);
        long t2 = Stopwatch.GetTimestamp();
        st.ChromaMs = Ms(t1, t2);
        st.TotalMs = Ms(t0, t2);
        st.MacsRatio = st.Macs / ((double)lr.Width * lr.Height * LargeMacsPerPixel);
    }

    static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;

    public void Dispose()
    {
        _classifierNet?.Dispose();
        foreach (var n in _branchNets) n?.Dispose();
    }
}
