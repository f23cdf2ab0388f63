using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Sources;

public class SyntheticSourceTests
{
    static YuvFrame Render(long index)
    {
        var f = new YuvFrame(SyntheticSource.DefaultWidth, SyntheticSource.DefaultHeight);
        SyntheticSource.Render(index, f);
        return f;
    }

    [Fact]
    public void Frames_are_a_function_of_their_index_and_move()
    {
        var a = Render(57);
        var b = Render(57);
        Assert.Equal(a.Y, b.Y);
        Assert.Equal(a.U, b.U);
        Assert.Equal(a.V, b.V);
        var next = Render(58);
        int changed = a.Y.Zip(next.Y).Count(p => p.First != p.Second);
        Assert.InRange(changed, 200, a.Y.Length / 2);
        Assert.Equal(ColorRange.Limited, a.Range);
        Assert.All(a.Y, v => Assert.InRange(v, 16, 235));
    }

    [Fact]
    public void The_scene_has_flat_and_detailed_areas()
    {
        // Spread of luma per 16x16 block: the classifier's three classes need both extremes on screen.
        for (long t = 0; t < 600; t += 150)
        {
            var f = Render(t);
            int flat = 0, detailed = 0, blocks = 0;
            for (int by = 0; by + 16 <= f.Height; by += 16)
            {
                for (int bx = 0; bx + 16 <= f.Width; bx += 16)
                {
                    double sum = 0, sq = 0;
                    for (int y = by; y < by + 16; y++)
                        for (int x = bx; x < bx + 16; x++)
                        {
                            double v = f.Y[y * f.Width + x];
                            sum += v;
                            sq += v * v;
                        }
                    double sd = Math.Sqrt(Math.Max(0, sq / 256 - sum * sum / 256 / 256));
                    blocks++;
                    if (sd < 4) flat++;
                    if (sd > 30) detailed++;
                }
            }
            Assert.True(flat >= blocks * 0.35, $"frame {t}: {flat} of {blocks} blocks flat");
            Assert.True(detailed >= blocks * 0.10, $"frame {t}: {detailed} of {blocks} blocks detailed");
        }
    }

    [Fact]
    public void Reading_paces_to_the_requested_rate()
    {
        using var source = new SyntheticSource(fps: 50);
        source.Open();
        var f = new YuvFrame(source.Width, source.Height);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 11; i++)
            Assert.True(source.Read(f, out _, CancellationToken.None));
        // 10 periods of 20 ms; generous upper bound for a loaded machine.
        Assert.InRange(sw.Elapsed.TotalMilliseconds, 180, 1500);
    }

    [Fact]
    public void No_signal_banner_dims_and_labels_the_picture()
    {
        var f = Render(0);
        var before = (byte[])f.Y.Clone();
        NoSignalBanner.Draw(f);
        Assert.Contains(f.Y, v => v == 235);
        Assert.True(f.Y.Count(v => v == 235) < f.Y.Length / 10);
        Assert.True(f.Y.Select(v => (int)v).Average() < before.Select(v => (int)v).Average() / 1.5);
    }
}
