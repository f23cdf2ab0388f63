using ClassSR.Edge.Engine;
using Xunit;

namespace ClassSR.Edge.Tests.Engine;

public class MergeTests
{
    // A padded region 7x5 LR pixels whose interior is 4x3 at (3, 2) of a 12x8 LR frame.
    static readonly Region Reg = new() { X = 3, Y = 2, W = 4, H = 3, PadX = 1, PadY = 1, PadW = 7, PadH = 5 };

    /// <summary>HR pixel (hx, hy) of the padded region, distinct for every pixel.</summary>
    static byte Pixel(int hx, int hy) => (byte)(hx * 7 + hy * 31);

    [Fact]
    public void Phase_planes_are_interleaved_as_DepthToSpace_would()
    {
        int ow = Reg.PadW * 4, oh = Reg.PadH * 4, plane = Reg.PadW * Reg.PadH;
        var hrPlane = new byte[ow * oh];
        var phases = new byte[16 * plane];
        for (int hy = 0; hy < oh; hy++)
            for (int hx = 0; hx < ow; hx++)
            {
                hrPlane[hy * ow + hx] = Pixel(hx, hy);
                // Plane dy*4+dx holds HR pixel (4y+dy, 4x+dx): DepthToSpace's CRD order for one output channel.
                phases[((hy % 4) * 4 + hx % 4) * plane + (hy / 4) * Reg.PadW + hx / 4] = Pixel(hx, hy);
            }
        int stride = 12 * 4 + 5; // a stride wider than the frame, as planes with padding have
        var fromPlane = new byte[stride * 8 * 4];
        var fromPhases = new byte[stride * 8 * 4];
        Array.Fill(fromPlane, (byte)1);
        Array.Fill(fromPhases, (byte)1);

        Merge.WriteInterior(hrPlane, phases: false, Reg, fromPlane, stride);
        Merge.WriteInterior(phases, phases: true, Reg, fromPhases, stride);

        Assert.Equal(fromPlane, fromPhases);
        // Only the interior was written, each pixel from its place in the padded region (which starts at LR PadX, PadY).
        for (int y = 0; y < 8 * 4; y++)
            for (int x = 0; x < stride; x++)
            {
                bool inside = x >= Reg.X * 4 && x < (Reg.X + Reg.W) * 4 && y >= Reg.Y * 4 && y < (Reg.Y + Reg.H) * 4;
                byte want = inside ? Pixel(x - Reg.PadX * 4, y - Reg.PadY * 4) : (byte)1;
                Assert.Equal(want, fromPhases[y * stride + x]);
            }
    }
}
