using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Engine;

/// <summary>The engine's side of the frame-budget controller: the quality dial (Upscaler.Dial).</summary>
public class QualityDialTests
{
    // Promotion off: a promoted plan depends on which cells are planned together, so with it on a restored frame and a
    // fresh one differ by how the quick models happen to route, not by what the dial left behind.
    static Upscaler Make(bool reuse) => new(TestModels.Quick(), new EngineOptions
    {
        Mode = UpscaleMode.ClassSR, Precision = Precision.Int8, Reuse = reuse, ReclassifyEvery = EngineOptions.VideoReclassifyEvery,
        MeasureCosts = false, Threads = 1, Promote = false,
    });

    static (int Simple, double Macs) Routed(Upscaler up) => (up.Stats.ClassCells[0], up.Stats.Macs);

    [Fact]
    public void A_cheaper_dial_sends_cells_to_cheaper_branches_on_the_next_frame()
    {
        var lr = TestImages.SyntheticFrame(192, 128);
        using var up = Make(reuse: false);
        var hr = TestModels.Output(lr);
        up.Upscale(lr, hr);
        var full = Routed(up);
        Assert.True(full.Simple < up.Stats.Cells, "the test image must have cells above the small branch");
        up.Dial = new QualityDial(false, 2f);
        up.Upscale(lr, hr);
        var cheaper = Routed(up);
        Assert.True(cheaper.Simple > full.Simple, $"{cheaper.Simple} simple cells at a cheaper dial, {full.Simple} at full");
        Assert.True(cheaper.Macs < full.Macs);
        up.Dial = new QualityDial(false, 64);
        up.Upscale(lr, hr);
        Assert.True(up.Stats.AllCheapest);
        Assert.Equal(up.Stats.Cells, up.Stats.ClassCells[0]);
        up.Dial = QualityDial.Full;
        up.Upscale(lr, hr);
        Assert.Equal(full, Routed(up));
    }

    [Fact]
    public void With_reuse_full_quality_returns_within_eight_frames_of_a_still_scene()
    {
        var lr = TestImages.SyntheticFrame(192, 128, seed: 3);
        using var reference = Make(reuse: false);
        var expected = TestModels.Output(lr);
        reference.Upscale(lr, expected);

        using var up = Make(reuse: true);
        var hr = TestModels.Output(lr);
        up.Dial = new QualityDial(true, 64);
        for (int i = 0; i < 3; i++)
            up.Upscale(lr, hr);
        Assert.Equal(0, up.Stats.RefreshedCells);
        double lowered = Metrics.MseY(hr.Y, expected.Y, hr.Width, hr.Height);
        Assert.True(lowered > 0, "a cheaper dial must change the picture");

        up.Dial = QualityDial.Full;
        int restored = 0;
        for (int i = 0; i < 8; i++)
        {
            up.Upscale(lr, hr);
            restored += up.Stats.RestoredCells;
            // An eighth of the frame at most per frame: no spike the controller would read as load.
            Assert.InRange(up.Stats.RestoredCells, 0, Math.Max(1, up.Stats.Cells / 8));
        }
        Assert.True(restored > 0);
        up.Upscale(lr, hr);
        Assert.Equal(0, up.Stats.RestoredCells);
        // Planned in other regions than the whole frame was, so compared as pictures: what a fresh upscaler gives.
        double mse = Metrics.MseY(hr.Y, expected.Y, hr.Width, hr.Height);
        Assert.True(mse < lowered / 20, $"MSE {mse:0.###} against full quality after the restore, {lowered:0.###} before");
    }
}
