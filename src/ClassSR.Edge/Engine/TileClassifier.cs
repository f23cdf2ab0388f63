using ClassSR.Edge.Inference;

namespace ClassSR.Edge.Engine;

/// <summary>
/// Stage "classify": one batched classifier call per frame, a class per cell (the <see cref="Branch"/> that runs it).
/// The network is the model set's classifier.*.onnx. The recipe makes it in two steps: its <c>classifier</c> step
/// trains ClassSR's stage-2 classifier, and its <c>router</c> step fine-tunes that network to predict each tile's loss
/// in the cheaper branches; what is exported, and what runs here, is the second.
/// </summary>
public sealed class TileClassifier(OnnxNet net)
{
    public OnnxNet Net => net;

    /// <summary>Logit offsets per class (simple, medium, hard): the knob that trades speed for quality.</summary>
    public float[] Bias { get; } = new float[Branches.Count];

    /// <summary>The classifier's first layer is a 4x4 stride-4 convolution: it sees nothing in smaller windows.</summary>
    public const int MinWindow = 4;

    public void Classify(ReadOnlySpan<byte> lr, in TileGrid g, Span<byte> classes) => Classify(lr, g, classes, default);

    /// <param name="active">
    /// Temporal reuse: only cells whose entry is non-zero are classified (the others keep their class); empty
    /// classifies every cell.
    /// </param>
    /// <returns>How many cells were classified.</returns>
    public int Classify(ReadOnlySpan<byte> lr, in TileGrid g, Span<byte> classes, ReadOnlySpan<byte> active)
    {
        bool all = active.IsEmpty;
        int n = all ? g.Count : g.Count - active[..g.Count].Count((byte)0);
        if (g.WindowW < MinWindow || g.WindowH < MinWindow)
        {
            // Too small to judge: the best branch, which on a few pixels costs next to nothing.
            for (int i = 0; i < g.Count; i++)
                if (all || active[i] != 0)
                    classes[i] = 2;
            return n;
        }
        if (n == 0)
            return 0;
        int wh = g.WindowH, ww = g.WindowW, plane = wh * ww;
        var input = net.Prepare(n, wh, ww);
        for (int r = 0, i = 0, j = 0; r < g.Rows; r++)
            for (int c = 0; c < g.Cols; c++, i++)
            {
                if (!all && active[i] == 0) continue;
                int x0 = g.WindowX(c), y0 = g.WindowY(r);
                var dst = input.Slice(j++ * plane, plane);
                for (int y = 0; y < wh; y++)
                    lr.Slice((y0 + y) * g.Width + x0, ww).CopyTo(dst.Slice(y * ww, ww));
            }
        var logits = net.RunLogits();
        for (int i = 0, j = 0; i < g.Count; i++)
        {
            if (!all && active[i] == 0) continue;
            float a = logits[j * 3] + Bias[0], b = logits[j * 3 + 1] + Bias[1], d = logits[j * 3 + 2] + Bias[2];
            classes[i] = (byte)(a >= b && a >= d ? 0 : b >= d ? 1 : 2);
            j++;
        }
        return n;
    }

    /// <summary>The classifier's MACs for <paramref name="cells"/> cells of this grid (all of them by default).</summary>
    public double Macs(in TileGrid g, int cells = -1) => g.WindowW < MinWindow || g.WindowH < MinWindow ? 0
        : (double)(cells < 0 ? g.Count : cells) * g.WindowW * g.WindowH * net.MacsPerLrPixel;
}
