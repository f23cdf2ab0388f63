namespace ClassSR.Edge.Engine;

/// <summary>A rectangle of cells of one class, in LR pixels, and the halo-padded rectangle its branch runs on.</summary>
public struct Region
{
    public int X, Y, W, H;
    public int PadX, PadY, PadW, PadH;
    public byte Class;

    public readonly long PaddedPixels => (long)PadW * PadH;
}

/// <summary>Per-class cost figures the planner weighs: MACs per LR pixel, halo, and a fixed cost per run.</summary>
public readonly record struct BranchCost(double Macs, int Halo);

/// <summary>
/// Stage between "classify" and "branches": groups neighbouring cells of a class into rectangles
/// so the halo a branch needs (its receptive field) is paid once per rectangle, not once per tile.
/// Where an isolated cell would cost more on its own (halo and run overhead) than inside a
/// neighbouring rectangle of a costlier class, it is promoted to that class: quality never drops,
/// since a costlier branch is a better one.
/// </summary>
public sealed class RegionPlanner
{
    readonly Region[] _regions;
    int[] _open, _next;
    readonly byte[] _work;
    int _count;

    public TileGrid Grid { get; }
    public BranchCost[] Costs { get; }
    /// <summary>MAC-equivalent of one branch run's fixed cost (launch, small-shape inefficiency).</summary>
    public double RunOverheadMacs { get; set; } = 1.5e6;
    /// <summary>
    /// Upper bound on a region's padded LR pixels: keeps ONNX Runtime's activations bounded. At 320x180 the whole frame
    /// runs as three stripes: the daemon's RSS is 85 MB (it was 85-97 MB with two, 105-128 MB in one piece), for about
    /// 15% more halo work.
    /// </summary>
    public long MaxRegionPixels { get; set; } = DefaultMaxRegionPixels;
    public const long DefaultMaxRegionPixels = 32 * 1024;
    /// <summary>Largest region in cells per side (1 = every cell on its own, as the reference ClassSR runs).</summary>
    public int MaxRegionCells { get; set; } = int.MaxValue;
    public bool Promote { get; set; } = true;

    /// <summary>A cell whose cached output is reused (temporal reuse): no region covers it and it is never promoted.</summary>
    public const byte Skip = 255;

    public RegionPlanner(TileGrid grid, BranchCost[] costs)
    {
        Grid = grid;
        Costs = costs;
        _regions = new Region[grid.Count];
        _open = new int[grid.Cols];
        _next = new int[grid.Cols];
        _work = new byte[grid.Count];
    }

    public ReadOnlySpan<Region> Regions => _regions.AsSpan(0, _count);

    /// <summary>
    /// Plans regions for the classes of every cell but those marked <see cref="Skip"/>; may promote cells (written
    /// back into classes).
    /// </summary>
    public double Plan(Span<byte> classes)
    {
        classes.CopyTo(_work);
        double cost = Build(_work);
        if (!Promote || Grid.Count > 4096)
            return cost;
        PromotePass(cost);
        _work.AsSpan(0, Grid.Count).CopyTo(classes);
        cost = Build(_work);
        // The last promotion: the costliest branch on the whole frame, one run with no inner halos. When routing saved
        // less than its regions cost (detail everywhere, or cheap branches not much cheaper), that is both faster and
        // at least as good.
        byte hardest = (byte)(Costs.Length - 1);
        Harden(_work, hardest);
        double whole = Build(_work);
        if (whole <= cost)
        {
            Harden(classes, hardest);
            return whole;
        }
        classes.CopyTo(_work);
        return Build(_work);
    }

    static void Harden(Span<byte> classes, byte hardest)
    {
        for (int i = 0; i < classes.Length; i++)
            if (classes[i] != Skip)
                classes[i] = hardest;
    }

    void PromotePass(double cost)
    {
        var g = Grid;
        for (int r = 0; r < g.Rows; r++)
            for (int c = 0; c < g.Cols; c++)
            {
                int i = r * g.Cols + c;
                byte k = _work[i];
                if (k == Skip) continue;
                for (byte j = (byte)(k + 1); j <= 2; j++)
                {
                    if (!HasNeighbour(r, c, j)) continue;
                    _work[i] = j;
                    double trial = Build(_work);
                    if (trial < cost - 1)
                    {
                        cost = trial;
                        k = j;
                        break;
                    }
                    _work[i] = k;
                }
            }
    }

    bool HasNeighbour(int r, int c, byte k)
    {
        var g = Grid;
        return (r > 0 && _work[(r - 1) * g.Cols + c] == k) || (r + 1 < g.Rows && _work[(r + 1) * g.Cols + c] == k)
            || (c > 0 && _work[r * g.Cols + c - 1] == k) || (c + 1 < g.Cols && _work[r * g.Cols + c + 1] == k);
    }

    /// <summary>Horizontal runs of one class per cell row, stacked down while the next row has the same run.</summary>
    double Build(ReadOnlySpan<byte> cls)
    {
        var g = Grid;
        _count = 0;
        _open.AsSpan().Fill(-1);
        double cost = 0;
        for (int r = 0; r < g.Rows; r++)
        {
            _next.AsSpan().Fill(-1);
            int c = 0;
            while (c < g.Cols)
            {
                byte k = cls[r * g.Cols + c];
                int c1 = c + 1;
                while (c1 < g.Cols && cls[r * g.Cols + c1] == k && c1 - c < MaxRegionCells) c1++;
                if (k == Skip)
                {
                    c = c1;
                    continue;
                }
                int o = _open[c];
                if (o >= 0 && _regions[o].Class == k && _regions[o].X == g.CellX(c) && RunEnd(o) == c1
                    && (_regions[o].H / g.Tile) < MaxRegionCells && Grows(o, r) <= MaxRegionPixels)
                {
                    _regions[o].H += g.CellH(r);
                    _next[c] = o;
                }
                else
                {
                    ref var reg = ref _regions[_count];
                    reg.X = g.CellX(c);
                    reg.Y = g.CellY(r);
                    reg.W = g.CellX(c1 - 1) + g.CellW(c1 - 1) - reg.X;
                    reg.H = g.CellH(r);
                    reg.Class = k;
                    _next[c] = _count++;
                }
                c = c1;
            }
            (_open, _next) = (_next, _open);
        }
        for (int i = 0; i < _count; i++)
            cost += Pad(ref _regions[i]);
        return cost;
    }

    int RunEnd(int o)
    {
        var reg = _regions[o];
        return (reg.X + reg.W + Grid.Tile - 1) / Grid.Tile;
    }

    long Grows(int o, int r)
    {
        var reg = _regions[o];
        int h = Costs[reg.Class].Halo;
        return (long)(reg.W + 2 * h) * (reg.H + Grid.CellH(r) + 2 * h);
    }

    /// <summary>
    /// Temporal reuse: shrinks each planned region to the part of its cells that must be recomputed (the union of
    /// <paramref name="cellRects"/> over its cells, in LR pixels), with its halo padded again. The merge then writes only
    /// that part; the rest of the cells keeps its cached output.
    /// </summary>
    public void Restrict(ReadOnlySpan<PixelRect> cellRects)
    {
        var g = Grid;
        for (int i = 0; i < _count; i++)
        {
            ref var reg = ref _regions[i];
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
            for (int r = reg.Y / g.Tile; r <= (reg.Y + reg.H - 1) / g.Tile; r++)
                for (int c = reg.X / g.Tile; c <= (reg.X + reg.W - 1) / g.Tile; c++)
                {
                    var d = cellRects[r * g.Cols + c];
                    (x0, y0, x1, y1) = (Math.Min(x0, d.X0), Math.Min(y0, d.Y0), Math.Max(x1, d.X1), Math.Max(y1, d.Y1));
                }
            (reg.X, reg.Y, reg.W, reg.H) = (x0, y0, x1 - x0, y1 - y0);
            Pad(ref reg);
        }
    }

    /// <summary>Adds the branch's halo, clipped at the frame: there the network's own zero padding is the frame's.</summary>
    double Pad(ref Region reg)
    {
        int h = Costs[reg.Class].Halo;
        reg.PadX = Math.Max(0, reg.X - h);
        reg.PadY = Math.Max(0, reg.Y - h);
        reg.PadW = Math.Min(Grid.Width, reg.X + reg.W + h) - reg.PadX;
        reg.PadH = Math.Min(Grid.Height, reg.Y + reg.H + h) - reg.PadY;
        return reg.PaddedPixels * Costs[reg.Class].Macs + RunOverheadMacs;
    }
}
