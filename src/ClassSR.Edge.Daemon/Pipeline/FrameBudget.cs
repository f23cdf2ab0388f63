using System.Globalization;
using ClassSR.Edge.Engine;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// What the frame-budget controller holds to: <c>--target-fps N|source|off</c> and <c>--latency-budget MS|auto</c>
/// (config keys target_fps and latency_budget; SIGHUP applies both).
/// </summary>
public sealed record BudgetOptions
{
    /// <summary>False: the dial stays at full quality whatever frames cost (--target-fps off).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>Frames per second to hold; null: the rate the source delivers.</summary>
    public double? TargetFps { get; init; }
    /// <summary>The upscale step's budget per frame in ms; null: <see cref="BudgetShare"/> of the target's frame interval.</summary>
    public double? LatencyBudgetMs { get; init; }

    /// <summary>
    /// The upscale step's share of a frame interval by default: the rest is for capture, encoding and the sinks on the
    /// same cores, so a frame upscaled within budget is out within two intervals of its capture.
    /// </summary>
    public const double BudgetShare = 0.85;
    public const double MaxFps = 1000, MaxBudgetMs = 10_000;

    public static readonly BudgetOptions Off = new() { Enabled = false };

    /// <summary>The budget for a source delivering <paramref name="sourceFps"/> (0: unpaced); null: nothing to hold.</summary>
    public double? BudgetFor(double sourceFps)
    {
        if (!Enabled)
            return null;
        if (LatencyBudgetMs is { } ms)
            return ms;
        double fps = TargetFps ?? sourceFps;
        return fps > 0 ? 1000 / fps * BudgetShare : null;
    }

    /// <summary>The target in words, as /state and the log name it.</summary>
    public string TargetText => !Enabled ? "off" : TargetFps is { } f ? f.ToString("0.###", CultureInfo.InvariantCulture) : "source";

    /// <summary>Parses a --target-fps / target_fps value: a rate, source or off.</summary>
    /// <exception cref="FormatException">The reason, to follow the option's name and value.</exception>
    public static (bool Enabled, double? Fps) ParseTarget(string text)
    {
        switch (text.Trim())
        {
            case "source": return (true, null);
            case "off": return (false, null);
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double fps) || !(fps > 0 && fps <= MaxFps))
            throw new FormatException($"is not a frame rate in (0, {MaxFps}], source or off");
        return (true, fps);
    }

    /// <summary>Parses a --latency-budget / latency_budget value: milliseconds or auto.</summary>
    /// <exception cref="FormatException">The reason, to follow the option's name and value.</exception>
    public static double? ParseBudget(string text)
    {
        if (text.Trim() == "auto")
            return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) || !(ms > 0 && ms <= MaxBudgetMs))
            throw new FormatException($"is not milliseconds in (0, {MaxBudgetMs}] or auto");
        return ms;
    }
}

/// <summary>
/// The frame-budget controller: after each frame it compares the upscale step's measured time with the budget and
/// turns the engine's <see cref="QualityDial"/> one level at most: cheaper when frames run late, back toward full
/// quality when there is room. Level 0 is full quality; with temporal reuse, level 1 defers the refresh (work that
/// costs no quality now); every level above moves <see cref="BiasStep"/> logits of class bias toward the small branch.
/// It never moves past the level at which every classified cell is already small.
/// <para>
/// It judges the mean of the frames since its last move (the last <see cref="Window"/> at most), not single frames:
/// with temporal reuse a frame where little moved costs a millisecond and the next one twenty, and what the source's
/// rate needs is that they fit on average. One frame over twice the budget (a whole interval late) counts at once.
/// </para>
/// <para>
/// Stability: it goes cheaper when that mean is over the budget, and back up only after <see cref="UpDwell"/> frames
/// at a level, when the level above is predicted to fit under <see cref="LowWater"/> of the budget. The prediction
/// uses the cost ratio between the two levels, learned from the frames either side of each move, so at a constant
/// cost it does not probe a level it has seen run over; a probe that fails anyway doubles the wait before the next
/// (up to <see cref="MaxUpDwell"/> frames).
/// </para>
/// Runs on the upscale thread; no allocation per frame.
/// </summary>
public sealed class FrameBudget
{
    public const float BiasStep = 1f;
    /// <summary>Up to 8 logits: past that the recipe's classifier sends nearly every tile to the small branch.</summary>
    public const int BiasLevels = 8;
    // A band of 15% between going cheaper and coming back: narrow enough that a frame which fits at full quality with
    // 15% to spare gets it back, wide enough, with the learned ratio between levels, not to flip between two levels.
    public const double HighWater = 1.0, LowWater = 0.85, LateFactor = 2;
    public const int Window = 8, UpDwell = 4, MaxUpDwell = 48;
    /// <summary>Frames without a failed probe after which the wait before probing is back to <see cref="UpDwell"/>.</summary>
    const int CalmFrames = 90;
    const double DefaultRatio = 1.15, MaxRatio = 2;

    readonly double[] _ratio;
    readonly double[] _recent = new double[Window];
    int _level, _sinceMove, _upDwell = UpDwell;
    long _lastUp = long.MinValue / 2;
    double _before;
    int _movedFrom = -1;
    long _frame;

    /// <param name="canDefer">Temporal reuse is on: the first level defers its refresh.</param>
    /// <param name="canRoute">The engine routes (ClassSR mode): the class bias levels exist. One branch alone has only the refresh to defer.</param>
    public FrameBudget(double budgetMs, bool canDefer, bool canRoute = true)
    {
        BudgetMs = budgetMs;
        CanDefer = canDefer;
        MaxLevel = (canDefer ? 1 : 0) + (canRoute ? BiasLevels : 0);
        _ratio = new double[MaxLevel + 1];
        Array.Fill(_ratio, DefaultRatio);
    }

    public double BudgetMs { get; set; }
    /// <summary>Temporal reuse is on: the first level defers its refresh.</summary>
    public bool CanDefer { get; }
    public int MaxLevel { get; }
    public int Level => _level;
    /// <summary>Frames whose upscale took longer than the budget.</summary>
    public long LateFrames { get; private set; }
    /// <summary>Moves of the dial so far, either way.</summary>
    public long Moves { get; private set; }

    public QualityDial Dial => DialAt(_level);

    public QualityDial DialAt(int level)
    {
        int first = CanDefer ? 1 : 0;
        return new QualityDial(DeferRefresh: CanDefer && level >= 1, Cheaper: Math.Max(0, level - first) * BiasStep);
    }

    /// <summary>The mean of the last <paramref name="n"/> frames (at most <see cref="Window"/>).</summary>
    double Mean(int n)
    {
        n = Math.Min(n, Window);
        double sum = 0;
        for (int i = 1; i <= n; i++)
            sum += _recent[(int)((_frame - i) % Window)];
        return sum / n;
    }

    /// <summary>One frame's upscale time; returns the level for the next frame.</summary>
    /// <param name="allCheapest">Every cell this frame classified went to the small branch (<see cref="FrameStats.AllCheapest"/>).</param>
    public int Observe(double ms, bool allCheapest)
    {
        _recent[(int)(_frame % Window)] = ms;
        _frame++;
        _sinceMove++;
        if (ms > BudgetMs)
            LateFrames++;
        double mean = Mean(_sinceMove);
        // The frames either side of a move give the cost ratio of the two levels (the load is the same a moment apart).
        if (_movedFrom >= 0 && _sinceMove == UpDwell)
        {
            int lower = Math.Max(_movedFrom, _level);
            double observed = _movedFrom < _level ? _before / mean : mean / _before;
            if (double.IsFinite(observed) && observed > 0)
                _ratio[lower] = 0.5 * _ratio[lower] + 0.5 * Math.Clamp(observed, 1, MaxRatio);
            _movedFrom = -1;
        }
        if (_frame - _lastUp > CalmFrames)
            _upDwell = UpDwell;

        bool over = ms > BudgetMs * LateFactor || (_sinceMove >= 2 && mean > BudgetMs * HighWater);
        bool saturated = allCheapest && _level > (CanDefer ? 1 : 0);
        if (over && _level < MaxLevel && !saturated)
        {
            // A probe upward that ran over: wait longer before the next.
            if (_frame - _lastUp <= 2L * _upDwell)
                _upDwell = Math.Min(MaxUpDwell, _upDwell * 2);
            Move(_level + 1, mean);
        }
        else if (!over && _level > 0 && _sinceMove >= _upDwell && mean * _ratio[_level] < BudgetMs * LowWater)
        {
            _lastUp = _frame;
            Move(_level - 1, mean);
        }
        return _level;
    }

    void Move(int to, double mean)
    {
        _before = mean;
        _movedFrom = _level;
        _level = to;
        _sinceMove = 0;
        Moves++;
    }
}
