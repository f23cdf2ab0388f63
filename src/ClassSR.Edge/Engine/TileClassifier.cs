using ClassSR.Edge.Inference;

namespace ClassSR.Edge.Engine;

/// <summary>Stage "classify": one batched classifier call per frame, a class per cell.</summary>
public sealed class TileClassifier(OnnxNet net)
{
    public OnnxNet Net => net;

    /// <summary>Logit offsets per class (simple, medium, hard): the knob that trades speed for quality.</summary>
    public float[] Bias { get; } = new float[3];

    /// <summary>The classifier's first layer is a 4x4 stride-4 convolution: it sees nothing in smaller windows.</summary>
    public const int MinWindow = 4;

    public void Classify(ReadOnlySpan<byte> lr, in TileGrid g, Span<byte> classes)
    {
        if (g.WindowW < MinWindow || g.WindowH < MinWindow)
        {
            // Too small to judge: the best branch, which on a few pixels costs next to nothing.
            classes[..g.Count].Fill(2);
            return;
        }
        int n = g.Count, wh = g.WindowH, ww = g.WindowW, plane = wh * ww;
        var input = net.Prepare(n, wh, ww);
        for (int r = 0, i = 0; r < g.Rows; r++)
            for (int c = 0; c < g.Cols; c++, i++)
            {
                int x0 = g.WindowX(c), y0 = g.WindowY(r);
                var dst = input.Slice(i * plane, plane);
                for (int y = 0; y < wh; y++)
                    lr.Slice((y0 + y) * g.Width + x0, ww).CopyTo(dst.Slice(y * ww, ww));
            }
        var logits = net.RunLogits();
        for (int i = 0; i < n; i++)
        {
            float a = logits[i * 3] + Bias[0], b = logits[i * 3 + 1] + Bias[1], d = logits[i * 3 + 2] + Bias[2];
            classes[i] = (byte)(a >= b && a >= d ? 0 : b >= d ? 1 : 2);
        }
    }

    public double Macs(in TileGrid g) => g.WindowW < MinWindow || g.WindowH < MinWindow ? 0 : (double)g.Count * g.WindowW * g.WindowH * net.MacsPerLrPixel;
}
