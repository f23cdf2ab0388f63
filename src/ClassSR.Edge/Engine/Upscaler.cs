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
    /// <summary>
    /// Temporal reuse, for video: only the cells whose receptive field changed since their cached output was computed
    /// are classified and run; the rest of the frame comes from the engine's cached output. Stills keep it off.
    /// </summary>
    public bool Reuse { get; set; }
    /// <summary>A block is changed when its mean absolute difference exceeds this, in code values (see <see cref="ChangeDetector"/>).</summary>
    public double ReuseThreshold { get; set; } = ChangeDetector.DefaultThreshold;
    /// <summary>With reuse, every cell is recomputed at least once in this many frames, a share of them each frame.</summary>
    public int RefreshEvery { get; set; } = DefaultRefreshEvery;
    /// <summary>2 s at 30 fps: 1 cell in 60 a frame (with its halo and a call of its own, about 4% of a frame in full).</summary>
    public const int DefaultRefreshEvery = 60;
    public const double MaxReuseThreshold = 64;
    public const int MaxRefreshEvery = 100_000;
    /// <summary>Why a --reuse-threshold / reuse_threshold value is refused, or null.</summary>
    public static string? ReuseThresholdProblem(double v) => v > 0 && v <= MaxReuseThreshold ? null : $"is not in (0, {MaxReuseThreshold}]";
    /// <summary>Why a --refresh-every / refresh_every value is refused, or null.</summary>
    public static string? RefreshEveryProblem(int v) => v is >= 1 and <= MaxRefreshEvery ? null : $"is not in 1..{MaxRefreshEvery}";
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

/// <summary>
/// The frame-budget controller's dial, turned between frames: first the refresh of temporal reuse is deferred, then
/// <see cref="Cheaper"/> logits move cells toward cheaper branches (added to simple's logit, taken from hard's: the
/// same offsets as <see cref="EngineOptions.ClassBias"/>). <see cref="Full"/> is the quality the options ask for.
/// </summary>
public readonly record struct QualityDial(bool DeferRefresh, float Cheaper)
{
    public static readonly QualityDial Full = default;
    public bool IsFull => !DeferRefresh && Cheaper <= 0;
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
    /// <summary>Temporal reuse: cells whose cached output was kept, cells recomputed only to bound staleness.</summary>
    public int ReusedCells, RefreshedCells;
    /// <summary>Temporal reuse: 8x8 blocks, and those found changed (on a scene cut, counted only until past half).</summary>
    public int Blocks, ChangedBlocks;
    /// <summary>Temporal reuse: the frame was computed in full (first frame, scene cut, reset).</summary>
    public bool CacheReset;
    public double DetectMs;
    /// <summary>Every cell classified in this frame went to the cheapest branch: a cheaper dial would change nothing.</summary>
    public bool AllCheapest;
    /// <summary>Cells recomputed to restore the quality a cheaper dial had lowered.</summary>
    public int RestoredCells;

    public double Share(int k) => Cells == 0 ? 0 : (double)ClassCells[k] / Cells;

    /// <summary>The share of cells whose cached output was kept.</summary>
    public double ReusedShare => Cells == 0 ? 0 : (double)ReusedCells / Cells;

    /// <summary>Copies every figure into <paramref name="d"/> (no allocation), so a frame can carry its own stats downstream.</summary>
    public void CopyTo(FrameStats d)
    {
        ClassCells.CopyTo(d.ClassCells, 0);
        (d.Cells, d.Regions, d.BranchCalls, d.Macs, d.MacsRatio) = (Cells, Regions, BranchCalls, Macs, MacsRatio);
        d.ClassifierSkipped = ClassifierSkipped;
        (d.ReusedCells, d.RefreshedCells, d.Blocks, d.ChangedBlocks, d.CacheReset, d.DetectMs) = (ReusedCells, RefreshedCells, Blocks, ChangedBlocks, CacheReset, DetectMs);
        (d.AllCheapest, d.RestoredCells) = (AllCheapest, RestoredCells);
        (d.PrepareMs, d.ClassifyMs, d.PlanMs, d.BranchesMs, d.ChromaMs, d.TotalMs) = (PrepareMs, ClassifyMs, PlanMs, BranchesMs, ChromaMs, TotalMs);
    }
}

/// <summary>
/// The engine, at the model set's scale (x2 or x4): LR frame -> tiles -> classify -> plan regions -> branches -> merge, luma by
/// the networks and chroma by bicubic. Sessions, buffers and bindings are made once; a frame of a
/// size seen before allocates nothing.
/// </summary>
public sealed class Upscaler : IDisposable
{
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
    /// <summary>The model set's scale: output frames are Scale times the input's width and height.</summary>
    public int Scale => _models.Scale;
    public double LargeMacsPerPixel { get; }
    /// <summary>The grid and the class each cell was routed to (after promotion) in the last frame.</summary>
    public TileGrid LastGrid => _shape?.Grid ?? default;
    public ReadOnlySpan<byte> LastClasses => _shape is null ? default : _shape.Classes;
    /// <summary>1 for each cell whose output the last frame reused from the cache (temporal reuse), row by row.</summary>
    public ReadOnlySpan<byte> LastReused => _shape is null ? default : _shape.Reused;

    /// <summary>Per-frame-size state: planner, buffers, resizers.</summary>
    sealed class FrameShape
    {
        public required int Width, Height;
        public required TileGrid Grid;
        public required RegionPlanner Planner;
        public required byte[] Classes;
        /// <summary>Chroma always; luma too in bicubic mode.</summary>
        public required YuvResizer Bicubic;
        /// <summary>The planner holds the whole frame's plan (a partial plan of temporal reuse replaces it).</summary>
        public bool PlannedWhole;
        // Temporal reuse, made on first use: the output the cached cells come from, and per cell what to recompute.
        public ChangeDetector? Detector;
        public YuvFrame? Cache;
        public required byte[] Reused, Active, Work;
        /// <summary>1 for each cell last classified under a cheaper dial: recomputed, a few a frame, once the dial is full again.</summary>
        public required byte[] Lowered;
        /// <summary>Per active cell, the part of it whose receptive field changed (the whole cell when its branch changes).</summary>
        public required PixelRect[] Dirty;
        public required byte[] ToClassify;
        /// <summary>The frame (<see cref="Frame"/>) each cell was last classified in.</summary>
        public required long[] ClassifiedAt;
        public long Frame;
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
                for (int k = 0; k < Branches.Count; k++)
                    _branchNets[k] = LoadBranch(k);
            }
            else
                _branchNets[(int)Branches.Of(options.Mode)!.Value] = LoadBranch((int)Branches.Of(options.Mode)!.Value);
        }
        catch
        {
            Dispose();
            throw;
        }
        for (int k = 0; k < Branches.Count; k++)
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
        for (int k = 0; k < Branches.Count; k++)
        {
            var (a, b) = _branchNets[k]!.RunCost(shapes, 3);
            perPixel[k] = Math.Max(b, 1e-9);
            // The call's cost at the small shape's time with the clamped slope (a + b * p0 is that time).
            perCall = Math.Max(perCall, a + (b - perPixel[k]) * p0);
        }
        double macsPerMs = LargeMacsPerPixel / perPixel[2];
        for (int k = 0; k < Branches.Count; k++)
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
        _skipClassifier = 0;
        _shape = new FrameShape
        {
            Width = w,
            Height = h,
            Grid = grid,
            Planner = planner,
            Classes = new byte[grid.Count],
            Reused = new byte[grid.Count],
            Active = new byte[grid.Count],
            Work = new byte[grid.Count],
            Lowered = new byte[grid.Count],
            Dirty = new PixelRect[grid.Count],
            ToClassify = new byte[grid.Count],
            ClassifiedAt = new long[grid.Count],
            Bicubic = new YuvResizer(w, h, w * Scale, h * Scale, withLuma: Mode == UpscaleMode.Bicubic),
        };
        if (Mode is UpscaleMode.Small or UpscaleMode.Medium or UpscaleMode.Large)
        {
            _shape.Classes.AsSpan().Fill((byte)Branches.Of(Mode)!.Value);
            planner.Plan(_shape.Classes);
            _shape.PlannedWhole = true;
        }
        return _shape;
    }

    /// <summary>Makes an output frame of the right size for this input (allocates; call once and reuse).</summary>
    public YuvFrame CreateOutput(YuvFrame lr) => new(lr.Width * Scale, lr.Height * Scale, lr.Range);

    QualityDial _dial;

    /// <summary>
    /// Set between frames by the frame-budget controller. A cheaper dial takes effect on the next frame: cells that
    /// keep the hardest class unclassified (<see cref="EngineOptions.ReclassifyEvery"/>) are classified again.
    /// </summary>
    public QualityDial Dial
    {
        get => _dial;
        set
        {
            if (value.Cheaper > _dial.Cheaper)
            {
                _skipClassifier = 0;
                _shape?.ClassifiedAt.AsSpan().Fill(long.MinValue / 2);
            }
            _dial = value;
            if (_classifier is { } c)
                for (int k = 0; k < Branches.Count; k++)
                    c.Bias[k] = Options.ClassBias[k] + (k == 0 ? value.Cheaper : k == 2 ? -value.Cheaper : 0);
        }
    }

    /// <summary>Temporal reuse is on and this mode has something to reuse (bicubic is computed whole every frame).</summary>
    public bool ReuseActive => Options.Reuse && Mode != UpscaleMode.Bicubic;

    /// <summary>Forgets what earlier frames left (temporal reuse): the next frame is computed in full.</summary>
    public void ResetHistory()
    {
        _shape?.Detector?.Reset();
        // The whole-frame plan the classifier rests on belongs to the old stream too.
        _skipClassifier = 0;
    }

    /// <summary>
    /// Upscales <paramref name="lr"/> into <paramref name="result"/>, sized here, with the frame's stats and cell map:
    /// the caller owns all of it and nothing in it changes with the next frame.
    /// </summary>
    public void Upscale(YuvFrame lr, UpscaleResult result)
    {
        result.EnsureFor(lr.Width * Scale, lr.Height * Scale, lr.Range);
        Upscale(lr, result.Image);
        Stats.CopyTo(result.Stats);
        result.SetCells(LastGrid, LastClasses, LastReused);
    }

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
        st.PrepareMs = st.ClassifyMs = st.PlanMs = st.BranchesMs = st.ChromaMs = st.DetectMs = 0;
        st.Regions = st.BranchCalls = st.ReusedCells = st.RefreshedCells = st.Blocks = st.ChangedBlocks = 0;
        st.Macs = 0;
        st.ClassifierSkipped = st.CacheReset = st.AllCheapest = false;
        st.RestoredCells = 0;
        long t1;
        if (Mode == UpscaleMode.Bicubic)
        {
            s.Bicubic.ResizeLuma(lr, hr);
            st.PrepareMs = Ms(t0, t1 = Stopwatch.GetTimestamp());
            Chroma(lr, s, hr, t1);
        }
        else if (!Options.Reuse)
        {
            st.PrepareMs = Ms(t0, t1 = Stopwatch.GetTimestamp());
            t1 = LumaWhole(lr, s, hr, t1);
            Chroma(lr, s, hr, t1);
        }
        else
            Reusing(lr, s, hr, t0);
        if (Mode != UpscaleMode.Bicubic)
            foreach (var c in s.Classes) st.ClassCells[c]++;
        st.TotalMs = Ms(t0, Stopwatch.GetTimestamp());
        st.MacsRatio = st.Macs / ((double)lr.Width * lr.Height * LargeMacsPerPixel);
    }

    void Chroma(YuvFrame lr, FrameShape s, YuvFrame hr, long t1)
    {
        s.Bicubic.ResizeChroma(lr, hr);
        Stats.ChromaMs = Ms(t1, Stopwatch.GetTimestamp());
    }

    /// <summary>Every cell: classify (or reuse the last whole-frame plan), plan, run the branches into <paramref name="hr"/>.</summary>
    long LumaWhole(YuvFrame lr, FrameShape s, YuvFrame hr, long tp)
    {
        var st = Stats;
        // The models take the frame's luma bytes as they are.
        var plane = lr.Y.AsSpan(0, lr.Width * lr.Height);
        if (Mode == UpscaleMode.ClassSR && _skipClassifier > 0 && s.PlannedWhole)
        {
            // The planner still holds the last classified frame's plan: the hardest branch on the whole frame.
            _skipClassifier--;
            st.ClassifierSkipped = true;
        }
        else if (Mode == UpscaleMode.ClassSR)
        {
            _classifier!.Classify(plane, s.Grid, s.Classes);
            s.ClassifiedAt.AsSpan().Fill(s.Frame);
            for (int i = 0; i < s.Lowered.Length; i++)
                s.Lowered[i] = _dial.Cheaper > 0 && s.Classes[i] != Hardest ? (byte)1 : (byte)0;
            st.AllCheapest = s.Classes.AsSpan().IndexOfAnyExcept((byte)0) < 0;
            st.Macs += _classifier.Macs(s.Grid);
            long tc = Stopwatch.GetTimestamp();
            st.ClassifyMs = Ms(tp, tc);
            s.Planner.Plan(s.Classes);
            s.PlannedWhole = true;
            _skipClassifier = Options.ReclassifyEvery > 1 && s.Classes.AsSpan().IndexOfAnyExcept(Hardest) < 0 ? Options.ReclassifyEvery - 1 : 0;
            tp = Stopwatch.GetTimestamp();
            st.PlanMs = Ms(tc, tp);
        }
        else if (!s.PlannedWhole)
        {
            // Planned once per frame size: the whole frame, in stripes only if it is huge (again after a partial plan).
            s.Classes.AsSpan().Fill((byte)Branches.Of(Mode)!.Value);
            s.Planner.Plan(s.Classes);
            s.PlannedWhole = true;
        }
        return RunBranches(plane, lr.Width, s.Planner.Regions, hr, tp);
    }

    long RunBranches(ReadOnlySpan<byte> plane, int width, ReadOnlySpan<Region> regions, YuvFrame hr, long tp)
    {
        var st = Stats;
        st.Regions = regions.Length;
        var (macs, calls) = _runner!.Run(plane, width, regions, hr.Y, hr.YStride);
        st.Macs += macs;
        st.BranchCalls = calls;
        long t1 = Stopwatch.GetTimestamp();
        st.BranchesMs = Ms(tp, t1);
        return t1;
    }

    /// <summary>
    /// Temporal reuse: detect the changed blocks, recompute the cells whose receptive field holds one (and this frame's
    /// share of the refresh), in the engine's cached output, which is then the frame's output.
    /// </summary>
    void Reusing(YuvFrame lr, FrameShape s, YuvFrame hr, long t0)
    {
        var st = Stats;
        var det = s.Detector ??= new ChangeDetector(lr.Width, lr.Height);
        det.Threshold = Options.ReuseThreshold;
        var cache = s.Cache ??= new YuvFrame(hr.Width, hr.Height, lr.Range);
        if (cache.Range != lr.Range)
            det.Reset();
        cache.Range = lr.Range;
        int changed = det.Detect(lr);
        (st.Blocks, st.ChangedBlocks) = (det.Count, changed);
        long tp = Stopwatch.GetTimestamp();
        st.DetectMs = Ms(t0, tp);
        if (det.SceneCut)
        {
            st.CacheReset = true;
            s.Reused.AsSpan().Clear();
            long t1 = LumaWhole(lr, s, cache, tp);
            Chroma(lr, s, cache, t1);
            det.AcceptAll(lr);
        }
        else
        {
            int active = MarkActive(s, det);
            st.ReusedCells = s.Grid.Count - active;
            if (active > 0)
            {
                long t1 = LumaPartial(lr, s, cache, tp);
                ChromaBands(lr, s, cache, t1);
            }
            det.Accept(lr);
        }
        s.Frame++;
        cache.CopyTo(hr);
    }

    // LR luma pixels around a changed pixel whose bicubic chroma can change: 2 chroma taps, and a chroma sample spans 2.
    const int ChromaReach = 6;

    /// <summary>
    /// A cell is recomputed when a changed block lies within its branch's halo (the receptive field of its cached
    /// output), or when the refresh comes round to it: contiguous runs of cells in turn, so each frame pays a share.
    /// </summary>
    int MarkActive(FrameShape s, ChangeDetector det)
    {
        var changed = det.Changed;
        var extents = det.Extents;
        var g = s.Grid;
        int every = Math.Max(1, Options.RefreshEvery), slot = (int)(s.Frame % every), active = 0, refreshed = 0, restored = 0;
        // Back at full quality, the cells a cheaper dial lowered are redone whole, an eighth of the frame at most per
        // frame: quality returns within a few frames (not a refresh round, 2 s) without a spike the controller would
        // read as load.
        int restoreBudget = _dial.IsFull && Mode == UpscaleMode.ClassSR ? Math.Max(1, g.Count / 8) : 0;
        const int B = ChangeDetector.Block;
        for (int r = 0, i = 0; r < g.Rows; r++)
            for (int c = 0; c < g.Cols; c++, i++)
            {
                // The receptive field of the cell's cached output, in LR pixels, and the blocks it touches.
                int h = Math.Max(ChromaReach, _costs[s.Classes[i]].Halo);
                int fx0 = Math.Max(0, g.CellX(c) - h), fx1 = Math.Min(g.Width, g.CellX(c) + g.CellW(c) + h);
                int fy0 = Math.Max(0, g.CellY(r) - h), fy1 = Math.Min(g.Height, g.CellY(r) + g.CellH(r) + h);
                var cell = CellRect(g, c, r);
                // The cell's outputs that read a moved pixel: the moved pixels dilated by the halo, within the cell.
                int dx0 = int.MaxValue, dy0 = int.MaxValue, dx1 = -1, dy1 = -1;
                for (int by = fy0 / B; by <= (fy1 - 1) / B; by++)
                    for (int bx = fx0 / B; bx <= (fx1 - 1) / B; bx++)
                    {
                        int b = by * det.Cols + bx;
                        var e = extents[b];
                        if (changed[b] == 0 || !e.Intersects(fx0, fy0, fx1, fy1))
                            continue;
                        (dx0, dy0) = (Math.Min(dx0, Math.Max(cell.X0, e.X0 - h)), Math.Min(dy0, Math.Max(cell.Y0, e.Y0 - h)));
                        (dx1, dy1) = (Math.Max(dx1, Math.Min(cell.X1, e.X1 + h)), Math.Max(dy1, Math.Min(cell.Y1, e.Y1 + h)));
                    }
                bool hit = dx1 >= 0;
                // The refresh takes the whole cell even where a change also hit it: a corner that moves on every frame
                // must not keep the rest of the cell from being redone.
                bool refresh = !_dial.DeferRefresh && (long)i * every / g.Count == slot;
                if (!refresh && s.Lowered[i] != 0 && restored < restoreBudget)
                {
                    refresh = true;
                    restored++;
                    // Classified again, at the full dial: the cell may go back to a costlier branch.
                    s.ClassifiedAt[i] = long.MinValue / 2;
                }
                bool on = hit || refresh;
                // Rounded out to 4 pixels, so the regions come in few shapes (each shape is a binding, and a plan, in ONNX Runtime).
                s.Dirty[i] = refresh ? cell : hit ? new PixelRect(Math.Max(cell.X0, dx0 & ~3), Math.Max(cell.Y0, dy0 & ~3),
                    Math.Min(cell.X1, (dx1 + 3) & ~3), Math.Min(cell.Y1, (dy1 + 3) & ~3)) : default;
                s.Active[i] = on ? (byte)1 : (byte)0;
                s.Reused[i] = on ? (byte)0 : (byte)1;
                active += on ? 1 : 0;
                refreshed += refresh ? 1 : 0;
            }
        Stats.RefreshedCells = refreshed - restored;
        Stats.RestoredCells = restored;
        return active;
    }

    static PixelRect CellRect(in TileGrid g, int c, int r) => new(g.CellX(c), g.CellY(r), g.CellX(c) + g.CellW(c), g.CellY(r) + g.CellH(r));

    /// <summary>The active cells only: classified, planned into regions (the others skipped) and run.</summary>
    long LumaPartial(YuvFrame lr, FrameShape s, YuvFrame cache, long tp)
    {
        var st = Stats;
        var plane = lr.Y.AsSpan(0, lr.Width * lr.Height);
        var work = s.Work;
        long tc = tp;
        if (Mode == UpscaleMode.ClassSR)
        {
            // As for whole frames (ReclassifyEvery): a cell in the hardest branch keeps it, unclassified, for up to that
            // many frames; its quality cannot drop, and the moving detail video is made of stays hard from frame to frame.
            var toClassify = s.ToClassify;
            for (int i = 0; i < work.Length; i++)
            {
                bool keep = s.Active[i] != 0 && s.Classes[i] == Hardest && s.Frame - s.ClassifiedAt[i] < Options.ReclassifyEvery;
                toClassify[i] = s.Active[i] != 0 && !keep ? (byte)1 : (byte)0;
                if (keep)
                    work[i] = Hardest;
                else if (toClassify[i] != 0)
                    s.ClassifiedAt[i] = s.Frame;
            }
            int n = _classifier!.Classify(plane, s.Grid, work, toClassify);
            bool cheapest = n > 0;
            for (int i = 0; i < work.Length; i++)
            {
                if (toClassify[i] == 0) continue;
                // Lowered: a cheaper dial may have taken this cell below the branch its content asks for.
                s.Lowered[i] = _dial.Cheaper > 0 && work[i] != Hardest ? (byte)1 : (byte)0;
                cheapest &= work[i] == 0;
            }
            st.AllCheapest = cheapest;
            st.Macs += _classifier.Macs(s.Grid, n);
            tc = Stopwatch.GetTimestamp();
            st.ClassifyMs = Ms(tp, tc);
        }
        var single = Branches.Of(Mode);
        for (int i = 0; i < work.Length; i++)
            work[i] = s.Active[i] == 0 ? RegionPlanner.Skip : single is { } b ? (byte)b : work[i];
        s.Planner.Plan(work);
        s.PlannedWhole = false;
        _skipClassifier = 0;
        for (int r = 0, i = 0; r < s.Grid.Rows; r++)
            for (int c = 0; c < s.Grid.Cols; c++, i++)
            {
                if (work[i] == RegionPlanner.Skip) continue;
                // A cell that changes branch is recomputed whole: a cell's output comes from one branch.
                if (work[i] != s.Classes[i])
                    s.Dirty[i] = CellRect(s.Grid, c, r);
                s.Classes[i] = work[i];
            }
        s.Planner.Restrict(s.Dirty);
        long tr = Stopwatch.GetTimestamp();
        st.PlanMs = Ms(tc, tr);
        return RunBranches(plane, lr.Width, s.Planner.Regions, cache, tr);
    }

    /// <summary>
    /// Bicubic chroma, the whole width of the frame, over the rows the active cells of each cell row recompute (their
    /// dirty rectangles reach at least <see cref="ChromaReach"/> beyond a change); consecutive bands are joined.
    /// </summary>
    void ChromaBands(YuvFrame lr, FrameShape s, YuvFrame cache, long t1)
    {
        var g = s.Grid;
        int start = -1, end = -1;
        for (int r = 0; r <= g.Rows; r++)
        {
            int y0 = int.MaxValue, y1 = -1;
            for (int c = 0, i = r * g.Cols; r < g.Rows && c < g.Cols; c++, i++)
                if (s.Active[i] != 0)
                    (y0, y1) = (Math.Min(y0, s.Dirty[i].Y0), Math.Max(y1, s.Dirty[i].Y1));
            if (y1 >= 0 && y0 <= end)
            {
                end = Math.Max(end, y1);
                continue;
            }
            if (end > start)
            {
                // HR chroma rows of LR luma rows [start, end): times the scale in luma, /2 for chroma.
                s.Bicubic.ResizeChromaRows(lr, cache, start * Scale / 2, end * Scale / 2);
            }
            (start, end) = y1 >= 0 ? (y0, y1) : (-1, -1);
        }
        Stats.ChromaMs = Ms(t1, Stopwatch.GetTimestamp());
    }

    static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;

    public void Dispose()
    {
        _classifierNet?.Dispose();
        foreach (var n in _branchNets) n?.Dispose();
    }
}
