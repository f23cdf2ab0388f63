using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ClassSR.Edge.Engine;

/// <summary>
/// Stage "merge": each region's output (uint8 luma, rounded by the model) is written once,
/// interior only, straight into the HR luma plane.
/// Regions partition the frame and each was computed with its full receptive field, so no
/// pixel is averaged and there is no seam to hide: a region's pixels are those of its branch
/// run on the whole frame.
/// </summary>
public static class Merge
{
    /// <param name="phases">
    /// The output is [PadH, PadW, 16]: each LR pixel's 4x4 HR pixels, row dy at bytes 4*dy..4*dy+3. This is the
    /// sub-pixel shuffle (DepthToSpace), done here while the bytes are copied anyway. Otherwise the output is the
    /// padded region's HR plane.
    /// </param>
    public static void WriteInterior(ReadOnlySpan<byte> output, bool phases, in Region reg, Span<byte> hrY, int hrStride)
    {
        if (!phases)
        {
            int ow = reg.PadW * 4, ox = (reg.X - reg.PadX) * 4, oy = (reg.Y - reg.PadY) * 4, w = reg.W * 4, h = reg.H * 4;
            for (int y = 0; y < h; y++)
                output.Slice((oy + y) * ow + ox, w).CopyTo(hrY.Slice((reg.Y * 4 + y) * hrStride + reg.X * 4, w));
            return;
        }
        // Bounds checked once for the whole region, then 4-byte moves (one HR row of one LR pixel each).
        int lx0 = reg.X - reg.PadX, ly0 = reg.Y - reg.PadY;
        if (output.Length < reg.PadW * reg.PadH * 16 || lx0 < 0 || ly0 < 0 || lx0 + reg.W > reg.PadW || ly0 + reg.H > reg.PadH)
            throw new ArgumentException("region output smaller than its interior", nameof(output));
        if ((long)((reg.Y + reg.H) * 4 - 1) * hrStride + (reg.X + reg.W) * 4 > hrY.Length)
            throw new ArgumentException("region outside the HR plane", nameof(hrY));
        ref byte src0 = ref MemoryMarshal.GetReference(output);
        ref byte dst0 = ref MemoryMarshal.GetReference(hrY);
        for (int y = 0; y < reg.H; y++)
        {
            ref byte srcRow = ref Unsafe.Add(ref src0, ((ly0 + y) * reg.PadW + lx0) * 16);
            for (int dy = 0; dy < 4; dy++)
            {
                ref byte dst = ref Unsafe.Add(ref dst0, ((reg.Y + y) * 4 + dy) * hrStride + reg.X * 4);
                ref byte src = ref Unsafe.Add(ref srcRow, dy * 4);
                for (int x = 0; x < reg.W; x++)
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, x * 4), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, x * 16)));
            }
        }
    }
}
