using ClassSR.Edge.Engine;
using Xunit;

namespace ClassSR.Edge.Tests.Engine;

public class MergeTests
{
    // A padded region 7x5 LR pixels whose interior is 4x3 at (3, 2) of a 12x8 LR frame.
    static readonly Region Reg = new() { X = 3, Y = 2, W = 4, H = 3, PadX = 1, PadY = 1, PadW = 7, PadH = 5 };

    /// <summary>HR pixel (hx, hy) of the padded region, distinct for every pixel.</summary>
    static byte Pixel(int hx, int hy) => (byte)(hx * 7 + hy * 31);

    /// <summary>The padded region's HR plane, and the same pixels as DepthToSpace's input at <paramref name="s"/>.</summary>
    static (byte[] Plane, byte[] Phases) Outputs(int s)
    {
        int ow = Reg.PadW * s, oh = Reg.PadH * s, plane = Reg.PadW * Reg.PadH;
        var hrPlane = new byte[ow * oh];
        var phases = new byte[s * s * plane];
        for (int hy = 0; hy < oh; hy++)
            for (int hx = 0; hx < ow; hx++)
            {
                hrPlane[hy * ow + hx] = Pixel(hx, hy);
                // Plane dy*s+dx holds HR pixel (s*y+dy, s*x+dx): DepthToSpace's order for one output channel.
                phases[((hy % s) * s + hx % s) * plane + (hy / s) * Reg.PadW + hx / s] = Pixel(hx, hy);
            }
        return (hrPlane, phases);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(2)]
    [InlineData(3)] // no fast path: the reference interleave alone
    public void Phase_planes_are_interleaved_as_DepthToSpace_would(int s)
    {
        var (hrPlane, phases) = Outputs(s);
        int stride = 12 * s + 5; // a stride wider than the frame, as planes with padding have
        var fromPlane = new byte[stride * 8 * s];
        var fromPhases = new byte[stride * 8 * s];
        Array.Fill(fromPlane, (byte)1);
        Array.Fill(fromPhases, (byte)1);

        Merge.WriteInterior(hrPlane, phases: false, s, Reg, fromPlane, stride);
        Merge.WriteInterior(phases, phases: true, s, Reg, fromPhases, stride);

        Assert.Equal(fromPlane, fromPhases);
        // Only the interior was written, each pixel from its place in the padded region (which starts at LR PadX, PadY).
        for (int y = 0; y < 8 * s; y++)
            for (int x = 0; x < stride; x++)
            {
                bool inside = x >= Reg.X * s && x < (Reg.X + Reg.W) * s && y >= Reg.Y * s && y < (Reg.Y + Reg.H) * s;
                byte want = inside ? Pixel(x - Reg.PadX * s, y - Reg.PadY * s) : (byte)1;
                Assert.Equal(want, fromPhases[y * stride + x]);
            }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void The_fast_interleave_equals_the_reference(int s)
    {
        var (_, phases) = Outputs(s);
        int stride = 12 * s;
        var fast = new byte[stride * 8 * s];
        var reference = new byte[stride * 8 * s];
        Merge.WriteInterior(phases, phases: true, s, Reg, fast, stride);
        Merge.Interleave(phases, s, Reg, reference, stride);
        Assert.Equal(reference, fast);
        Assert.Contains(fast, b => b != 0);
    }
}
