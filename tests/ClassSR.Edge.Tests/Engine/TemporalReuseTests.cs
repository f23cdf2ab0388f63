using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Engine;

/// <summary>Temporal reuse (EngineOptions.Reuse): what is recomputed, what is kept, and that keeping costs no quality.</summary>
public class TemporalReuseTests
{
    static YuvFrame Frame(int w, int h, int seed = 0) => TestImages.SyntheticFrame(w, h, seed);

    static Upscaler Make(UpscaleMode mode, bool reuse, int refreshEvery = EngineOptions.DefaultRefreshEvery, bool promote = true) =>
        new(TestModels.Quick(), new EngineOptions
        {
            Mode = mode, Precision = Precision.Int8, Reuse = reuse, RefreshEvery = refreshEvery, Promote = promote,
            MeasureCosts = false, Threads = 1,
        });

    /// <summary>A bright 10x10 square on the background, its top-left corner at (x, y).</summary>
    static YuvFrame WithSquare(YuvFrame background, int x, int y)
    {
        var f = new YuvFrame(background.Width, background.Height);
        background.CopyTo(f);
        for (int j = y; j < y + 10; j++)
            for (int i = x; i < x + 10; i++)
            {
                f.Y[j * f.Width + i] = 235;
                f.U[j / 2 * f.ChromaWidth + i / 2] = 60;
            }
        return f;
    }

    static void AddNoise(YuvFrame clean, YuvFrame noisy, Random rng, int amplitude)
    {
        for (int i = 0; i < clean.Y.Length; i++)
            noisy.Y[i] = (byte)Math.Clamp(clean.Y[i] + rng.Next(-amplitude, amplitude + 1), 0, 255);
        for (int i = 0; i < clean.U.Length; i++)
        {
            noisy.U[i] = (byte)Math.Clamp(clean.U[i] + rng.Next(-amplitude, amplitude + 1), 0, 255);
            noisy.V[i] = (byte)Math.Clamp(clean.V[i] + rng.Next(-amplitude, amplitude + 1), 0, 255);
        }
    }

    [Fact]
    public void A_still_noisy_scene_is_reused_and_keeps_the_quality_of_per_frame_upscaling()
    {
        // HR original, its LR by our bicubic, then +-2 code values of fresh noise on every frame.
        const int w = 160, h = 96;
        var hrRgb = TestImages.Synthetic(w * 4, h * 4, seed: 3);
        var truth = new YuvFrame(w * 4, h * 4);
        ColorConvert.RgbToYuv(hrRgb, w * 4, h * 4, truth);
        var clean = new YuvFrame(w, h);
        ColorConvert.RgbToYuv(ClassSR.Edge.Evaluation.Evaluator.Downscale(hrRgb, w * 4, h * 4, 4), w, h, clean);
        using var reuse = Make(UpscaleMode.ClassSR, reuse: true);
        using var perFrame = Make(UpscaleMode.ClassSR, reuse: false);
        var lr = new YuvFrame(w, h);
        var a = TestModels.Output(lr);
        var b = TestModels.Output(lr);
        var rng = new Random(7);
        double reused = 0, psnrReuse = 0, psnrPerFrame = 0;
        const int frames = 100, warm = 5;
        for (int f = 0; f < frames; f++)
        {
            AddNoise(clean, lr, rng, 2);
            reuse.Upscale(lr, a);
            perFrame.Upscale(lr, b);
            if (f < warm) continue;
            reused += reuse.Stats.ReusedShare;
            Assert.False(reuse.Stats.CacheReset);
            psnrReuse += Metrics.PsnrY(a.Y, truth.Y, a.Width, a.Height);
            psnrPerFrame += Metrics.PsnrY(b.Y, truth.Y, b.Width, b.Height);
        }
        int n = frames - warm;
        Assert.True(reused / n >= 0.95, $"reused {reused / n:P1} of cells on a still scene");
        double loss = (psnrPerFrame - psnrReuse) / n;
        Assert.True(Math.Abs(loss) <= 0.05, $"reuse differs from per-frame upscaling by {loss:F3} dB");
    }

    [Theory]
    [InlineData(UpscaleMode.Large)]
    [InlineData(UpscaleMode.ClassSR)]
    public void A_moving_object_recomputes_every_cell_within_a_halo_and_matches_per_frame_output(UpscaleMode mode)
    {
        // No noise, frame a multiple of the tile: a kept cell's receptive field is byte for byte what it was, so with
        // the same routing (no promotion, which weighs a frame's cells together) the whole output equals per-frame.
        const int w = 192, h = 96;
        var background = Frame(w, h, seed: 1);
        using var reuse = Make(mode, reuse: true, refreshEvery: 1000, promote: false);
        using var perFrame = Make(mode, reuse: false, promote: false);
        var a = TestModels.Output(background);
        var b = TestModels.Output(background);
        var halo = reuse.BranchCosts.ToArray().Select(c => c.Halo).ToArray();
        YuvFrame? previous = null;
        int keptSomewhere = 0;
        for (int f = 0; f < 24; f++)
        {
            var lr = WithSquare(background, 6 + f * 7, 20 + f * 2);
            reuse.Upscale(lr, a);
            perFrame.Upscale(lr, b);
            Assert.Equal(b.Y, a.Y);
            Assert.Equal(b.U, a.U);
            Assert.Equal(b.V, a.V);
            if (previous is null)
            {
                Assert.True(reuse.Stats.CacheReset);
                previous = lr;
                continue;
            }
            var g = reuse.LastGrid;
            var classes = reuse.LastClasses;
            var kept = reuse.LastReused;
            for (int r = 0; r < g.Rows; r++)
                for (int c = 0; c < g.Cols; c++)
                {
                    int i = r * g.Cols + c, k = Math.Max(4, halo[classes[i]]);
                    if (kept[i] == 0) continue;
                    keptSomewhere++;
                    for (int y = Math.Max(0, g.CellY(r) - k); y < Math.Min(h, g.CellY(r) + g.CellH(r) + k); y++)
                        for (int x = Math.Max(0, g.CellX(c) - k); x < Math.Min(w, g.CellX(c) + g.CellW(c) + k); x++)
                            Assert.True(lr.Y[y * w + x] == previous.Y[y * w + x], $"frame {f}: cell {c},{r} was kept though LR ({x},{y}) within its halo changed");
                }
            previous = lr;
        }
        Assert.True(keptSomewhere > 0, "nothing was ever kept: the test shows nothing");
    }

    [Fact]
    public void A_one_pixel_change_inside_a_neighbours_halo_recomputes_the_neighbour_and_not_cells_beyond()
    {
        const int w = 160, h = 64;
        var still = Frame(w, h, seed: 2);
        using var up = Make(UpscaleMode.Large, reuse: true, refreshEvery: 1000);
        int halo = up.BranchCosts[2].Halo;
        var hr = TestModels.Output(still);
        up.Upscale(still, hr);
        up.Upscale(still, hr);
        Assert.Equal(up.Stats.Cells, up.Stats.ReusedCells);

        // Cell (0,0) ends at x = 31; the cell to its right, (1,0), reads back to x = 32 - halo.
        var poked = new YuvFrame(w, h);
        still.CopyTo(poked);
        int px = 32 - halo, py = 10;
        poked.Y[py * w + px] = (byte)(still.Y[py * w + px] > 128 ? 10 : 245);
        up.Upscale(poked, hr);
        var g = up.LastGrid;
        var kept = up.LastReused;
        Assert.Equal(0, kept[0]);           // the cell holding the pixel
        Assert.Equal(0, kept[1]);           // its neighbour, whose halo holds it
        Assert.Equal(1, kept[3]);           // x 96..127: more than a halo and a block away
        Assert.Equal(1, kept[g.Cols + 3]);  // and below it
        Assert.False(up.Stats.CacheReset);

        // One pixel further left, outside the neighbour's receptive field (in the same 8x8 block): the neighbour is kept.
        var further = new YuvFrame(w, h);
        still.CopyTo(further);
        further.Y[py * w + px - 1] = (byte)(still.Y[py * w + px - 1] > 128 ? 10 : 245);
        up.Upscale(still, hr);
        up.Upscale(further, hr);
        Assert.Equal(0, up.LastReused[0]);
        Assert.Equal(1, up.LastReused[1]);
    }

    [Fact]
    public void Every_cell_is_recomputed_within_refresh_every_frames_spread_over_them()
    {
        const int w = 192, h = 96, every = 6;
        var still = Frame(w, h, seed: 4);
        using var up = Make(UpscaleMode.ClassSR, reuse: true, refreshEvery: every);
        var hr = TestModels.Output(still);
        up.Upscale(still, hr);
        int cells = up.Stats.Cells;
        var since = new int[cells];
        for (int f = 0; f < 4 * every; f++)
        {
            up.Upscale(still, hr);
            Assert.True(up.Stats.RefreshedCells <= (cells + every - 1) / every, $"frame {f}: {up.Stats.RefreshedCells} cells refreshed at once");
            var kept = up.LastReused;
            for (int i = 0; i < cells; i++)
            {
                since[i] = kept[i] == 0 ? 0 : since[i] + 1;
                Assert.True(since[i] < every, $"cell {i} not recomputed for {since[i]} frames");
            }
        }
    }

    [Fact]
    public void A_cell_hit_on_every_frame_is_still_refreshed_whole()
    {
        // A corner of the frame's one cell changes on every frame; elsewhere in it a block moves by less than the
        // threshold. The refresh must redo the whole cell, so that block's output catches up with its input. (One
        // cell, so that no neighbour's region happens to cover it.)
        const int w = 32, h = 32, every = 4;
        var still = Frame(w, h, seed: 9);
        using var reuse = Make(UpscaleMode.Large, reuse: true, refreshEvery: every, promote: false);
        using var perFrame = Make(UpscaleMode.Large, reuse: false, promote: false);
        var a = TestModels.Output(still);
        var b = TestModels.Output(still);
        reuse.Upscale(still, a);
        var lr = new YuvFrame(w, h);
        for (int f = 1; f <= 3 * every; f++)
        {
            still.CopyTo(lr);
            lr.Y[0] = (byte)(f % 2 == 0 ? 0 : 255);            // the busy corner
            for (int y = 20; y < 28; y++)                        // +2 on an 8x8 block: under the 2.5 threshold
                for (int x = 20; x < 28; x++)
                    lr.Y[y * w + x] = (byte)Math.Min(255, still.Y[y * w + x] + 2);
            reuse.Upscale(lr, a);
            Assert.Equal(0, reuse.LastReused[0]);
        }
        perFrame.Upscale(lr, b);
        // HR rows and columns 80..111 hold that block's outputs.
        for (int y = 80; y < 112; y++)
            Assert.True(a.Y.AsSpan(y * a.Width + 80, 32).SequenceEqual(b.Y.AsSpan(y * b.Width + 80, 32)), $"HR row {y} is stale");
    }

    [Fact]
    public void The_detector_sees_thin_lines_single_chroma_samples_and_a_fade_under_noise()
    {
        const int w = 64, h = 64;
        var still = Frame(w, h, seed: 10);
        var det = new ChangeDetector(w, h);
        det.Detect(still);
        det.AcceptAll(still);
        var f = new YuvFrame(w, h);

        // A 1-pixel line across a block, 20 code values: the block's mean is exactly 2.5, not above it.
        still.CopyTo(f);
        for (int y = 8; y < 16; y++)
            f.Y[y * w + 12] = (byte)Math.Min(255, still.Y[y * w + 12] + 20);
        Assert.Equal(1, det.Detect(f));
        still.CopyTo(f);
        Assert.Equal(0, det.Detect(f));
        // One chroma sample, 39 code values.
        f.U[5 * f.ChromaWidth + 5] = (byte)(still.U[5 * f.ChromaWidth + 5] > 128 ? still.U[5 * f.ChromaWidth + 5] - 39 : still.U[5 * f.ChromaWidth + 5] + 39);
        Assert.Equal(1, det.Detect(f));

        // A fade of a quarter code value a frame under +-2 of noise: the noise floor comes from frame-to-frame
        // differences, so the fade does not raise it, and it is seen well before the floor's cap would allow.
        var fresh = new ChangeDetector(w, h);
        fresh.Detect(still);
        fresh.AcceptAll(still);
        var rng = new Random(5);
        int seenAt = -1;
        for (int n = 1; n <= 40 && seenAt < 0; n++)
        {
            AddNoise(still, f, rng, 2);
            int offset = n / 4;
            for (int i = 0; i < f.Y.Length; i++)
                f.Y[i] = (byte)Math.Min(255, f.Y[i] + offset);
            if (fresh.Detect(f) > fresh.Count / 2)
                seenAt = n;
        }
        Assert.InRange(seenAt, 1, 24);
    }

    [Fact]
    public void A_scene_cut_and_a_reset_compute_the_frame_in_full()
    {
        const int w = 160, h = 96;
        var one = Frame(w, h, seed: 5);
        var other = Frame(w, h, seed: 60);
        Array.Reverse(other.Y);
        using var reuse = Make(UpscaleMode.ClassSR, reuse: true);
        using var perFrame = Make(UpscaleMode.ClassSR, reuse: false);
        var a = TestModels.Output(one);
        var b = TestModels.Output(one);
        reuse.Upscale(one, a);
        reuse.Upscale(one, a);
        Assert.False(reuse.Stats.CacheReset);
        reuse.Upscale(other, a);
        Assert.True(reuse.Stats.CacheReset);
        Assert.Equal(0, reuse.Stats.ReusedCells);
        perFrame.Upscale(other, b);
        Assert.Equal(b.Y, a.Y);

        reuse.Upscale(other, a);
        Assert.False(reuse.Stats.CacheReset);
        reuse.ResetHistory();
        reuse.Upscale(other, a);
        Assert.True(reuse.Stats.CacheReset);
        Assert.Equal(0, reuse.Stats.ReusedCells);
    }

    [Fact]
    public void A_reused_frame_after_warm_up_allocates_nothing()
    {
        const int w = 320, h = 180;
        var background = Frame(w, h, seed: 6);
        var moving = Enumerable.Range(0, 4).Select(i => WithSquare(background, 40 + 50 * i, 60)).ToArray();
        foreach (var mode in new[] { UpscaleMode.ClassSR, UpscaleMode.Large })
        {
            // The refresh comes round every 4 frames, with the object's 4 positions: after one cycle every region shape
            // has been seen (a new shape makes an ONNX Runtime binding once).
            using var up = Make(mode, reuse: true, refreshEvery: 4);
            var hr = TestModels.Output(background);
            int n = 0;
            long allocated = Allocations.Steady(() => up.Upscale(moving[n++ % moving.Length], hr), 16);
            Assert.True(allocated == 0, $"{mode}: {allocated} bytes allocated per window of 16 warm frames");
            Assert.True(up.Stats.ReusedCells > 0);
        }
    }

    [Fact]
    public void The_detector_ignores_noise_and_sees_drift_against_its_reference()
    {
        const int w = 64, h = 64;
        var still = Frame(w, h, seed: 8);
        var det = new ChangeDetector(w, h);
        Assert.Equal(det.Count, det.Detect(still));
        det.AcceptAll(still);
        var rng = new Random(3);
        var noisy = new YuvFrame(w, h);
        for (int f = 0; f < 20; f++)
        {
            AddNoise(still, noisy, rng, 2);
            Assert.Equal(0, det.Detect(noisy));
        }
        // One code value brighter each frame: each step is below the threshold, the sum is not.
        var drift = new YuvFrame(w, h);
        int seenAt = -1;
        for (int step = 1; step <= 10 && seenAt < 0; step++)
        {
            for (int i = 0; i < still.Y.Length; i++)
                drift.Y[i] = (byte)Math.Min(255, still.Y[i] + step);
            still.U.CopyTo(drift.U, 0);
            still.V.CopyTo(drift.V, 0);
            if (det.Detect(drift) > det.Count / 2)
                seenAt = step;
            det.Accept(drift);
        }
        Assert.InRange(seenAt, 2, 4);
    }
}
