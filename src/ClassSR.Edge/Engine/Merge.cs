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
    /// The output is scale² planes of PadH x PadW, plane dy*scale+dx holding HR pixel (scale*y+dy, scale*x+dx): the
    /// sub-pixel shuffle (DepthToSpace) is done here, while the bytes are copied anyway. Otherwise the output is the
    /// padded region's HR plane.
    /// </param>
    /// <param name="scale">The model set's scale (2 or 4).</param>
    public static void WriteInterior(ReadOnlySpan<byte> output, bool phases, int scale, in Region reg, Span<byte> hrY, int hrStride)
    {
        if (!phases)
        {
            int ow = reg.PadW * scale, ox = (reg.X - reg.PadX) * scale, oy = (reg.Y - reg.PadY) * scale, w = reg.W * scale, h = reg.H * scale;
            for (int y = 0; y < h; y++)
                output.Slice((oy + y) * ow + ox, w).CopyTo(hrY.Slice((reg.Y * scale + y) * hrStride + reg.X * scale, w));
            return;
        }
        switch (scale)
        {
            case 4: Interleave4(output, reg, hrY, hrStride); break;
            case 2: Interleave2(output, reg, hrY, hrStride); break;
            default: Interleave(output, scale, reg, hrY, hrStride); break;
        }
    }

    /// <summary>The reference interleave, any scale: what DepthToSpace (DCR) does, one HR pixel at a time.</summary>
    public static void Interleave(ReadOnlySpan<byte> output, int scale, in Region reg, Span<byte> hrY, int hrStride)
    {
        int plane = reg.PadW * reg.PadH, lx0 = reg.X - reg.PadX, ly0 = reg.Y - reg.PadY;
        for (int y = 0; y < reg.H; y++)
            for (int dy = 0; dy < scale; dy++)
                for (int x = 0; x < reg.W; x++)
                    for (int dx = 0; dx < scale; dx++)
                        hrY[((reg.Y + y) * scale + dy) * hrStride + (reg.X + x) * scale + dx] =
                            output[(dy * scale + dx) * plane + (ly0 + y) * reg.PadW + lx0 + x];
    }

    static void Interleave4(ReadOnlySpan<byte> output, in Region reg, Span<byte> hrY, int hrStride)
    {
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

    static void Interleave2(ReadOnlySpan<byte> output, in Region reg, Span<byte> hrY, int hrStride)
    {
        int plane = reg.PadW * reg.PadH, lx0 = reg.X - reg.PadX, ly0 = reg.Y - reg.PadY;
        for (int y = 0; y < reg.H; y++)
        {
            int src = (ly0 + y) * reg.PadW + lx0;
            for (int dy = 0; dy < 2; dy++)
            {
                var dst = hrY.Slice(((reg.Y + y) * 2 + dy) * hrStride + reg.X * 2, reg.W * 2);
                var p0 = output.Slice((dy * 2) * plane + src, reg.W);
                var p1 = output.Slice((dy * 2 + 1) * plane + src, reg.W);
                for (int x = 0; x < p0.Length; x++)
                {
                    dst[2 * x] = p0[x];
                    dst[2 * x + 1] = p1[x];
                }
            }
        }
    }
}
