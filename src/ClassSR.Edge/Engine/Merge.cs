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
    /// The output is 16 planes of PadH x PadW, plane dy*4+dx holding HR pixel (4y+dy, 4x+dx): the sub-pixel shuffle
    /// (DepthToSpace) is done here, while the bytes are copied anyway. Otherwise the output is the padded region's
    /// HR plane.
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
        int plane = reg.PadW * reg.PadH, lx0 = reg.X - reg.PadX, ly0 = reg.Y - reg.PadY;
        for (int y = 0; y < reg.H; y++)
        {
            int src = (ly0 + y) * reg.PadW + lx0;
            for (int dy = 0; dy < 4; dy++)
            {
                var dst = hrY.Slice(((reg.Y + y) * 4 + dy) * hrStride + reg.X * 4, reg.W * 4);
                // One HR row: four phase rows, interleaved.
                var p0 = output.Slice((dy * 4) * plane + src, reg.W);
                var p1 = output.Slice((dy * 4 + 1) * plane + src, reg.W);
                var p2 = output.Slice((dy * 4 + 2) * plane + src, reg.W);
                var p3 = output.Slice((dy * 4 + 3) * plane + src, reg.W);
                for (int x = 0; x < p0.Length; x++)
                {
                    int o = x * 4;
                    dst[o] = p0[x];
                    dst[o + 1] = p1[x];
                    dst[o + 2] = p2[x];
                    dst[o + 3] = p3[x];
                }
            }
        }
    }
}
