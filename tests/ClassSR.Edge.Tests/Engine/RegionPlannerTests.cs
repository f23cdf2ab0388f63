using ClassSR.Edge.Engine;
using Xunit;

namespace ClassSR.Edge.Tests.Engine;

public class RegionPlannerTests
{
    static readonly BranchCost[] Costs = [new(2300, 4), new(7600, 6), new(16600, 7)];

    static int[] Coverage(RegionPlanner p, int w, int h)
    {
        var hits = new int[w * h];
        foreach (var r in p.Regions)
        {
            Assert.True(r.PadX <= r.X && r.PadY <= r.Y && r.PadX + r.PadW >= r.X + r.W && r.PadY + r.PadH >= r.Y + r.H);
            Assert.True(r.PadX >= 0 && r.PadY >= 0 && r.PadX + r.PadW <= w && r.PadY + r.PadH <= h);
            for (int y = r.Y; y < r.Y + r.H; y++)
                for (int x = r.X; x < r.X + r.W; x++)
                    hits[y * w + x]++;
        }
        return hits;
    }

    [Theory]
    [InlineData(320, 180)]
    [InlineData(33, 31)]
    [InlineData(1, 1)]
    [InlineData(97, 250)]
    [InlineData(640, 32)]
    public void Regions_cover_every_pixel_exactly_once(int w, int h)
    {
        var rng = new Random(w * 1000 + h);
        var grid = new TileGrid(w, h, 32);
        var p = new RegionPlanner(grid, Costs);
        for (int trial = 0; trial < 20; trial++)
        {
            var cls = new byte[grid.Count];
            for (int i = 0; i < cls.Length; i++) cls[i] = (byte)rng.Next(3);
            var before = (byte[])cls.Clone();
            p.Plan(cls);
            Assert.All(Coverage(p, w, h), n => Assert.Equal(1, n));
            foreach (var r in p.Regions)
                for (int y = r.Y; y < r.Y + r.H; y += 32)
                    for (int x = r.X; x < r.X + r.W; x += 32)
                    {
                        int i = (y / 32) * grid.Cols + x / 32;
                        Assert.Equal(cls[i], r.Class);
                        Assert.True(cls[i] >= before[i], "a cell was demoted to a cheaper branch");
                    }
        }
    }

    [Fact]
    public void Halo_is_clipped_at_the_frame_and_full_inside()
    {
        var grid = new TileGrid(128, 128, 32);
        var p = new RegionPlanner(grid, Costs) { Promote = false };
        var cls = new byte[16];
        cls[5] = 2; // an interior hard cell among simple ones
        p.Plan(cls);
        var hard = p.Regions.ToArray().Single(r => r.Class == 2);
        Assert.Equal((32 - 7, 32 - 7, 32 + 14, 32 + 14), (hard.PadX, hard.PadY, hard.PadW, hard.PadH));
        var corner = p.Regions.ToArray().First(r => r.X == 0 && r.Y == 0);
        Assert.Equal(0, corner.PadX);
        Assert.Equal(0, corner.PadY);
    }

    [Fact]
    public void Uniform_class_makes_one_region_without_halo()
    {
        var grid = new TileGrid(320, 180, 32);
        var p = new RegionPlanner(grid, Costs) { MaxRegionPixels = 64 * 1024 };
        var cls = new byte[grid.Count];
        cls.AsSpan().Fill(1);
        p.Plan(cls);
        var r = Assert.Single(p.Regions.ToArray());
        Assert.Equal((0, 0, 320, 180), (r.PadX, r.PadY, r.PadW, r.PadH));

        // Under the default cap the frame runs as stripes, each with the halo its neighbours need.
        var capped = new RegionPlanner(grid, Costs);
        capped.Plan(cls);
        Assert.True(capped.Regions.Length > 1);
        Assert.All(capped.Regions.ToArray(), reg => Assert.True(reg.PaddedPixels <= capped.MaxRegionPixels));
        Assert.All(Coverage(capped, 320, 180), h => Assert.Equal(1, h));
    }

    [Fact]
    public void Isolated_cheap_cell_inside_hard_area_is_promoted_when_that_costs_less()
    {
        var grid = new TileGrid(160, 160, 32);
        var p = new RegionPlanner(grid, Costs);
        var cls = new byte[25];
        cls.AsSpan().Fill(2);
        cls[12] = 0; // a lone simple cell in the middle
        double promoted = p.Plan(cls);
        Assert.Equal(2, cls[12]);
        var q = new RegionPlanner(grid, Costs) { Promote = false };
        var raw = new byte[25];
        raw.AsSpan().Fill(2);
        raw[12] = 0;
        double kept = q.Plan(raw);
        Assert.True(promoted < kept, $"promotion should lower the cost ({promoted} vs {kept})");
    }

    [Fact]
    public void Grouping_neighbours_costs_less_than_tile_at_a_time()
    {
        var grid = new TileGrid(320, 180, 32);
        var rng = new Random(3);
        var cls = new byte[grid.Count];
        // Blobs, as natural images have: classes by region, not salt and pepper.
        for (int r = 0; r < grid.Rows; r++)
            for (int c = 0; c < grid.Cols; c++)
                cls[r * grid.Cols + c] = (byte)(c < 4 ? 0 : c < 7 ? 1 : 2);
        var grouped = new RegionPlanner(grid, Costs) { Promote = false };
        var single = new RegionPlanner(grid, Costs) { Promote = false, MaxRegionCells = 1 };
        double a = grouped.Plan((byte[])cls.Clone()), b = single.Plan((byte[])cls.Clone());
        Assert.True(a < 0.7 * b, $"grouped {a:E3} vs per tile {b:E3}");
        Assert.Equal(3, grouped.Regions.Length);
    }

    [Fact]
    public void A_scattered_routing_that_saves_less_than_its_regions_cost_becomes_one_hard_region()
    {
        var grid = new TileGrid(320, 180, 32);
        var cls = new byte[grid.Count];
        for (int i = 0; i < cls.Length; i++)
            cls[i] = (byte)(i * 7 % 3);
        // Cheaper branches barely cheaper per pixel (as INT8 medium was here): the whole frame on "hard" wins.
        BranchCost[] flat = [new(14000, 4), new(16000, 6), new(16600, 7)];
        var p = new RegionPlanner(grid, flat) { RunOverheadMacs = 1e7, MaxRegionPixels = 64 * 1024 };
        double cost = p.Plan(cls);
        Assert.All(cls, c => Assert.Equal(2, c));
        Assert.Equal(1, p.Regions.Length);
        Assert.Equal(320.0 * 180 * 16600 + 1e7, cost);
    }

    [Fact]
    public void A_routing_that_pays_keeps_its_cheap_regions()
    {
        var grid = new TileGrid(320, 180, 32);
        var cls = new byte[grid.Count];
        for (int r = 0; r < grid.Rows; r++)
            for (int c = 0; c < grid.Cols; c++)
                cls[r * grid.Cols + c] = (byte)(c < 6 ? 0 : 2);
        var p = new RegionPlanner(grid, Costs) { RunOverheadMacs = 1e7 };
        double cost = p.Plan(cls);
        Assert.Contains((byte)0, cls);
        Assert.True(cost < 320.0 * 180 * 16600, $"routed {cost:E3} should cost less than the large branch alone");
    }
}
