using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Engine;
using Xunit;

namespace ClassSR.Edge.Tests.Pipeline;

/// <summary>
/// The frame-budget controller against a simulated slow engine: a frame's cost is set by the test (a load factor
/// times the cost of the dial's level), so every figure is deterministic and nothing is timed.
/// </summary>
public class FrameBudgetTests
{
    /// <summary>An engine whose cost per frame the test sets: <see cref="Load"/> times the level's base cost.</summary>
    sealed class SlowEngineTwin(Func<int, double> baseCost)
    {
        public double Load { get; set; } = 1;
        /// <summary>With temporal reuse, frames where little moved cost next to nothing: every other frame here.</summary>
        public bool Bursty { get; init; }
        long _frame;

        public double Cost(int level) => Bursty && _frame++ % 2 == 1 ? 0.05 * baseCost(level) : Load * baseCost(level);
    }

    const double Budget = 28;

    // Each level ~9% cheaper than the one below it, as moving a band of cells to a cheaper branch is.
    static double Geometric(int level) => 20 * Math.Pow(0.91, level);

    static List<int> Run(FrameBudget b, SlowEngineTwin engine, int frames, bool cheapest = false)
    {
        var levels = new List<int>(frames);
        for (int i = 0; i < frames; i++)
            levels.Add(b.Observe(engine.Cost(b.Level), cheapest));
        return levels;
    }

    static void StepsAtMostOne(int start, List<int> levels)
    {
        int prev = start;
        foreach (int l in levels)
        {
            Assert.InRange(l - prev, -1, 1);
            prev = l;
        }
    }

    [Fact]
    public void Lowers_quality_when_frames_cost_more_than_the_budget_and_restores_it_when_they_do_not()
    {
        var b = new FrameBudget(Budget, canDefer: true);
        var engine = new SlowEngineTwin(Geometric);
        Assert.All(Run(b, engine, 120), l => Assert.Equal(0, l));

        engine.Load = 2.2; // 44 ms at full quality: the level that fits is the first under 28 ms
        var loaded = Run(b, engine, 30);
        StepsAtMostOne(0, loaded);
        int held = b.Level;
        Assert.True(held > 0);
        Assert.True(engine.Load * Geometric(held) <= Budget, $"level {held} still costs {engine.Load * Geometric(held):0.0} ms");
        // Within a second at 30 fps, and not further than needed: the level above it would not fit.
        Assert.True(engine.Load * Geometric(held - 1) > Budget * FrameBudget.LowWater);

        engine.Load = 1;
        var after = Run(b, engine, 90);
        StepsAtMostOne(held, after);
        Assert.Equal(0, b.Level);
        // Back at full quality well within 3 s at 30 fps.
        Assert.True(after.IndexOf(0) < 60, $"full quality after {after.IndexOf(0)} frames");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.45)]
    [InlineData(1.8)]
    [InlineData(2.6)]
    [InlineData(3.4)]
    public void Holds_one_level_at_a_constant_cost(double load)
    {
        var b = new FrameBudget(Budget, canDefer: false);
        var engine = new SlowEngineTwin(Geometric) { Load = load };
        Run(b, engine, 150);
        long moves = b.Moves;
        var steady = Run(b, engine, 600);
        Assert.All(steady, l => Assert.Equal(steady[0], l));
        Assert.Equal(moves, b.Moves);
    }

    [Fact]
    public void Does_not_flip_between_two_levels_whose_costs_straddle_the_band()
    {
        // Level 0 runs over, level 1 costs half: a fixed guess of the ratio would try level 0 again and again.
        var b = new FrameBudget(Budget, canDefer: false);
        var engine = new SlowEngineTwin(l => l == 0 ? 30 : 15 * Math.Pow(0.95, l - 1));
        Run(b, engine, 200);
        long moves = b.Moves;
        Run(b, engine, 600);
        Assert.True(b.Moves - moves <= 1, $"{b.Moves - moves} moves at a constant cost");
        Assert.True(b.Level >= 1);
    }

    [Fact]
    public void Judges_the_mean_of_bursty_frames_not_each_frame()
    {
        // Reuse: 20 ms frames between 1 ms ones fit a 28 ms budget on average; nothing to hold.
        var b = new FrameBudget(Budget, canDefer: true);
        var engine = new SlowEngineTwin(l => 26 * Math.Pow(0.9, l)) { Bursty = true };
        Assert.All(Run(b, engine, 300), l => Assert.Equal(0, l));
    }

    [Fact]
    public void Defers_the_refresh_first_and_then_moves_bias_in_set_steps()
    {
        var b = new FrameBudget(Budget, canDefer: true);
        Assert.Equal(QualityDial.Full, b.DialAt(0));
        Assert.Equal(new QualityDial(true, 0), b.DialAt(1));
        Assert.Equal(new QualityDial(true, FrameBudget.BiasStep), b.DialAt(2));
        Assert.Equal(new QualityDial(true, FrameBudget.BiasLevels * FrameBudget.BiasStep), b.DialAt(b.MaxLevel));
        var noReuse = new FrameBudget(Budget, canDefer: false);
        Assert.Equal(new QualityDial(false, FrameBudget.BiasStep), noReuse.DialAt(1));
        // One branch alone: only the refresh to defer, no bias levels.
        Assert.Equal(1, new FrameBudget(Budget, canDefer: true, canRoute: false).MaxLevel);
        Assert.Equal(0, new FrameBudget(Budget, canDefer: false, canRoute: false).MaxLevel);
    }

    [Fact]
    public void Stops_where_every_cell_is_already_small_and_never_passes_its_last_level()
    {
        var b = new FrameBudget(Budget, canDefer: true);
        var engine = new SlowEngineTwin(_ => 100);
        var levels = Run(b, engine, 40, cheapest: true);
        StepsAtMostOne(0, levels);
        // Deferring the refresh, then one bias level; the classifier said every cell is small already: no further.
        Assert.Equal(2, b.Level);
        var b2 = new FrameBudget(Budget, canDefer: true);
        Run(b2, engine, 200);
        Assert.Equal(b2.MaxLevel, b2.Level);
        Assert.True(b2.LateFrames >= 200);
    }

    [Theory]
    [InlineData("source", true, null)]
    [InlineData("off", false, null)]
    [InlineData("25", true, 25.0)]
    [InlineData("12.5", true, 12.5)]
    public void Parses_the_target(string text, bool enabled, double? fps)
    {
        Assert.Equal((enabled, fps), BudgetOptions.ParseTarget(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("fast")]
    [InlineData("1001")]
    [InlineData("NaN")]
    public void Refuses_a_bad_target(string text)
    {
        var e = Assert.Throws<FormatException>(() => BudgetOptions.ParseTarget(text));
        Assert.Contains("source or off", e.Message);
    }

    [Fact]
    public void The_budget_defaults_from_the_target_or_the_source()
    {
        Assert.Equal(1000 / 30.0 * BudgetOptions.BudgetShare, new BudgetOptions().BudgetFor(30)!.Value, 6);
        Assert.Equal(1000 / 15.0 * BudgetOptions.BudgetShare, new BudgetOptions { TargetFps = 15 }.BudgetFor(30)!.Value, 6);
        Assert.Equal(20, new BudgetOptions { LatencyBudgetMs = 20 }.BudgetFor(30));
        // A source with no rate of its own (a pipe read as fast as it comes) has nothing to hold.
        Assert.Null(new BudgetOptions().BudgetFor(0));
        Assert.Null(BudgetOptions.Off.BudgetFor(30));
        Assert.Null(BudgetOptions.ParseBudget("auto"));
        Assert.Equal(12.5, BudgetOptions.ParseBudget("12.5"));
        Assert.Throws<FormatException>(() => BudgetOptions.ParseBudget("0"));
    }
}
