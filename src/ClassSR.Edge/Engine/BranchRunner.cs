using ClassSR.Edge.Inference;

namespace ClassSR.Edge.Engine;

/// <summary>
/// Stage "branches": runs every planned region through its class's branch, regions of one
/// class and one padded shape batched into a single call, and hands each output to the merge.
/// </summary>
public sealed class BranchRunner(OnnxNet[] branches)
{
    int[] _order = [];

    public OnnxNet this[int k] => branches[k];
    public int MaxBatch { get; set; } = 16;

    /// <summary>Returns the MACs really computed (halos included) and the number of branch calls.</summary>
    public (double Macs, int Calls) Run(ReadOnlySpan<byte> lr, int width, ReadOnlySpan<Region> regions, Span<byte> hrY, int hrStride)
    {
        if (_order.Length < regions.Length)
            _order = new int[Math.Max(regions.Length, 64)];
        double macs = 0;
        int calls = 0;
        for (int k = 0; k < branches.Length; k++)
        {
            int n = 0;
            for (int i = 0; i < regions.Length; i++)
                if (regions[i].Class == k)
                    _order[n++] = i;
            SortByShape(_order.AsSpan(0, n), regions);
            var net = branches[k];
            for (int s = 0; s < n;)
            {
                var first = regions[_order[s]];
                int e = s + 1;
                while (e < n && e - s < MaxBatch && regions[_order[e]].PadW == first.PadW && regions[_order[e]].PadH == first.PadH)
                    e++;
                int batch = e - s, plane = first.PadW * first.PadH;
                var input = net.Prepare(batch, first.PadH, first.PadW);
                for (int b = 0; b < batch; b++)
                {
                    var reg = regions[_order[s + b]];
                    var dst = input.Slice(b * plane, plane);
                    for (int y = 0; y < reg.PadH; y++)
                        lr.Slice((reg.PadY + y) * width + reg.PadX, reg.PadW).CopyTo(dst.Slice(y * reg.PadW, reg.PadW));
                }
                var output = net.Run();
                int outPlane = plane * net.Scale * net.Scale;
                for (int b = 0; b < batch; b++)
                    Merge.WriteInterior(output.Slice(b * outPlane, outPlane), net.PhaseOutput, net.Scale, regions[_order[s + b]], hrY, hrStride);
                macs += (double)batch * plane * net.MacsPerLrPixel;
                calls++;
                s = e;
            }
        }
        return (macs, calls);
    }

    static void SortByShape(Span<int> idx, ReadOnlySpan<Region> regions)
    {
        for (int i = 1; i < idx.Length; i++)
        {
            int v = idx[i], j = i - 1;
            long key = Key(regions[v]);
            while (j >= 0 && Key(regions[idx[j]]) > key)
            {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = v;
        }
    }

    static long Key(in Region r) => ((long)r.PadH << 32) | (uint)r.PadW;
}
