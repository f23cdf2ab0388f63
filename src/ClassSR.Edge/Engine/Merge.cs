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
    public static void WriteInterior(ReadOnlySpan<byte> output, in Region reg, Span<byte> hrY, int hrStride)
    {
        int ow = reg.PadW * 4, ox = (reg.X - reg.PadX) * 4, oy = (reg.Y - reg.PadY) * 4, w = reg.W * 4, h = reg.H * 4;
        for (int y = 0; y < h; y++)
            output.Slice((oy + y) * ow + ox, w).CopyTo(hrY.Slice((reg.Y * 4 + y) * hrStride + reg.X * 4, w));
    }
}
