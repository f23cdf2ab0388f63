using System.Numerics;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Engine;

/// <summary>
/// Stage "detect" (video, temporal reuse): which 8x8 blocks of the LR frame changed since the picture the cached
/// output was computed from. Each block is compared with a reference that is updated only where a change was
/// accepted, so a slow drift adds up against it and is seen, where a frame-to-frame test would miss it.
/// </summary>
/// <remarks>
/// A block changed when the mean absolute difference of its luma (or of either chroma block) exceeds the threshold,
/// or when one pixel moved by more than <see cref="PeakFactor"/> times it (a thin line or a small object that the mean
/// dilutes). The threshold is the larger of <see cref="Threshold"/> and <see cref="NoiseFactor"/> times the stream's
/// noise floor: the 10th percentile of the blocks' mean differences from the previous frame, smoothed over frames.
/// Sensor noise is spread over every block, so its low percentile measures it; motion and codec flicker touch a
/// minority of blocks, and a fade moves the frame-to-frame figure by its step per frame only.
/// A kept output was computed from pixels within the threshold of the reference, and the current ones are too, so it
/// is within twice the threshold of its input until the next change or refresh.
/// Measured on still pictures with Gaussian noise (320x212, 20 frames against a reference): sigma 2 gives block means
/// of 1.5 (largest 2.2), sigma 5 gives 3.8 (largest 5.4); so a fixed 2.5 holds for sigma up to about 2 and the floor
/// takes over above it. JPEG q75 over sigma-2 noise puts the largest blocks at 8.5: those are recomputed, which
/// costs time but never quality.
/// </remarks>
public sealed class ChangeDetector
{
    public const int Block = 8;
    /// <summary>The floor is capped: a scene in motion everywhere would otherwise raise its own threshold.</summary>
    public const double MaxNoiseFloor = 4;
    public const double NoiseFactor = 2;
    public const double PeakFactor = 6;
    /// <summary>A frame with more of its blocks changed than this is a scene cut: the engine computes it in full.</summary>
    public const double SceneCutShare = 0.5;
    const int Bins = 512, BinsPerCode = 8;

    readonly byte[] _refY, _refU, _refV;
    readonly byte[] _changed, _chromaChanged;
    readonly byte[] _prevY;
    readonly ushort[] _sumP;
    readonly byte[] _maxP;
    bool _hasPrevious;
    readonly PixelRect[] _extents;
    // One block row's column sums and maxima of |a - b|, per plane.
    readonly ushort[] _sumY, _sumU, _sumV;
    readonly byte[] _maxY, _maxU, _maxV;
    readonly int[] _histogram = new int[Bins];
    bool _hasReference;

    public int Width { get; }
    public int Height { get; }
    public int Cols { get; }
    public int Rows { get; }
    public int Count => Cols * Rows;

    /// <summary>Mean absolute difference, in code values, below which a block is taken as unchanged.</summary>
    public double Threshold { get; set; } = DefaultThreshold;
    public const double DefaultThreshold = 2.5;

    /// <summary>The stream's noise, as a block's mean absolute difference against the reference.</summary>
    public double NoiseFloor { get; private set; }

    /// <summary>The threshold the next <see cref="Detect"/> uses.</summary>
    public double EffectiveThreshold => Math.Max(Threshold, NoiseFactor * NoiseFloor);

    public bool HasReference => _hasReference;

    /// <summary>1 for each block the last <see cref="Detect"/> found changed, row by row.</summary>
    public ReadOnlySpan<byte> Changed => _changed;

    /// <summary>
    /// For each changed block, the rectangle of its pixels that moved by more than the threshold (the whole block when
    /// only its chroma changed): a cell is recomputed only if its receptive field meets one, not a whole block.
    /// </summary>
    public ReadOnlySpan<PixelRect> Extents => _extents;

    public ChangeDetector(int width, int height)
    {
        Width = width;
        Height = height;
        Cols = (width + Block - 1) / Block;
        Rows = (height + Block - 1) / Block;
        _refY = new byte[width * height];
        int cw = (width + 1) / 2, ch = (height + 1) / 2;
        _refU = new byte[cw * ch];
        _refV = new byte[cw * ch];
        _changed = new byte[Count];
        _chromaChanged = new byte[Count];
        _prevY = new byte[width * height];
        (_sumP, _maxP) = (new ushort[width], new byte[width]);
        _extents = new PixelRect[Count];
        (_sumY, _maxY) = (new ushort[width], new byte[width]);
        (_sumU, _maxU, _sumV, _maxV) = (new ushort[cw], new byte[cw], new ushort[cw], new byte[cw]);
    }

    /// <summary>
    /// Forgets the reference: the next <see cref="Detect"/> finds every block changed. The noise floor is kept: it is the
    /// camera's, and it follows a change of stream within about ten frames.
    /// </summary>
    public void Reset() => _hasReference = false;

    /// <summary>The last <see cref="Detect"/> found a scene cut (or had no reference): its flags and extents are not filled in.</summary>
    public bool SceneCut { get; private set; }

    /// <summary>
    /// Marks the changed blocks; returns how many. Without a reference every block is changed. Once more than
    /// <see cref="SceneCutShare"/> of the blocks changed it stops (a pan costs no more than a frame computed in full).
    /// </summary>
    public int Detect(YuvFrame lr)
    {
        if (lr.Width != Width || lr.Height != Height)
            throw new ArgumentException($"frame is {lr.Width}x{lr.Height}, detector {Width}x{Height}");
        if (!_hasReference)
        {
            SceneCut = true;
            KeepAsPrevious(lr);
            return Count;
        }
        SceneCut = false;
        int cut = (int)(SceneCutShare * Count);
        double t = EffectiveThreshold;
        int peak = (int)Math.Ceiling(PeakFactor * t);
        int cw = lr.ChromaWidth, ch = lr.ChromaHeight, count = 0;
        Array.Clear(_histogram);
        for (int by = 0, i = 0; by < Rows; by++)
        {
            int y0 = by * Block, h = Math.Min(Block, Height - y0);
            // Column sums and maxima of |a - b| over the block row, a whole row at a time (vectorized), then per block.
            ColumnSad(lr.Y, _refY, Width, y0, h, _sumY, _maxY);
            int cy0 = y0 / 2, chh = Math.Min(Block / 2, ch - cy0);
            ColumnSad(lr.U, _refU, cw, cy0, chh, _sumU, _maxU);
            ColumnSad(lr.V, _refV, cw, cy0, chh, _sumV, _maxV);
            // Against the previous frame, for the noise floor only: against the reference, a fade would pass for noise.
            if (_hasPrevious)
                ColumnSad(lr.Y, _prevY, Width, y0, h, _sumP, _maxP);
            for (int bx = 0; bx < Cols; bx++, i++)
            {
                int x0 = bx * Block, w = Math.Min(Block, Width - x0);
                int sum = 0, max = 0;
                for (int x = x0; x < x0 + w; x++)
                {
                    sum += _sumY[x];
                    max = Math.Max(max, _maxY[x]);
                }
                float mean = (float)sum / (w * h);
                if (_hasPrevious)
                {
                    int p = 0;
                    for (int x = x0; x < x0 + w; x++)
                        p += _sumP[x];
                    _histogram[Math.Min(Bins - 1, (int)((float)p / (w * h) * BinsPerCode))]++;
                }
                bool luma = mean > t || max > peak;
                int cx0 = x0 / 2, cbw = Math.Min(Block / 2, cw - cx0), su = 0, sv = 0, cmax = 0;
                for (int x = cx0; x < cx0 + cbw; x++)
                {
                    su += _sumU[x];
                    sv += _sumV[x];
                    cmax = Math.Max(cmax, Math.Max(_maxU[x], _maxV[x]));
                }
                double limit = t * cbw * chh;
                bool chroma = su > limit || sv > limit || cmax > peak;
                _chromaChanged[i] = chroma ? (byte)1 : (byte)0;
                bool changed = luma || chroma;
                // A change of colour is taken as the whole block; one of luma alone as the pixels that moved, found
                // below unless this frame is a cut.
                _extents[i] = chroma ? new PixelRect(x0, y0, x0 + w, y0 + h) : new PixelRect(-1, 0, 0, 0);
                _changed[i] = changed ? (byte)1 : (byte)0;
                if (changed && ++count > cut)
                {
                    SceneCut = true;
                    KeepAsPrevious(lr);
                    return count;
                }
            }
        }
        int level = (int)Math.Floor(t);
        for (int i = 0; i < Count; i++)
            if (_changed[i] != 0 && _extents[i].X0 < 0)
            {
                var b = BlockRect(i);
                _extents[i] = Moved(lr.Y, b.X0, b.Y0, b.X1 - b.X0, b.Y1 - b.Y0, level);
            }
        if (_hasPrevious)
            UpdateNoiseFloor();
        KeepAsPrevious(lr);
        return count;
    }

    void KeepAsPrevious(YuvFrame lr)
    {
        lr.Y.AsSpan(0, _prevY.Length).CopyTo(_prevY);
        _hasPrevious = true;
    }

    /// <summary>For each column x: the sum and the largest |a - b| over rows y0 .. y0 + h.</summary>
    static void ColumnSad(byte[] a, byte[] b, int width, int y0, int h, ushort[] sums, byte[] maxima)
    {
        Array.Clear(sums);
        Array.Clear(maxima);
        int lanes = Vector<byte>.Count, half = Vector<ushort>.Count;
        for (int y = y0; y < y0 + h; y++)
        {
            var ra = a.AsSpan(y * width, width);
            var rb = b.AsSpan(y * width, width);
            int x = 0;
            if (Vector.IsHardwareAccelerated)
                for (; x <= width - lanes; x += lanes)
                {
                    var va = new Vector<byte>(ra[x..]);
                    var vb = new Vector<byte>(rb[x..]);
                    var d = Vector.Max(va, vb) - Vector.Min(va, vb);
                    Vector.Max(new Vector<byte>(maxima.AsSpan(x)), d).CopyTo(maxima.AsSpan(x));
                    Vector.Widen(d, out var lo, out var hi);
                    (new Vector<ushort>(sums.AsSpan(x)) + lo).CopyTo(sums.AsSpan(x));
                    (new Vector<ushort>(sums.AsSpan(x + half)) + hi).CopyTo(sums.AsSpan(x + half));
                }
            for (; x < width; x++)
            {
                int d = Math.Abs(ra[x] - rb[x]);
                sums[x] += (ushort)d;
                if (d > maxima[x]) maxima[x] = (byte)d;
            }
        }
    }

    void UpdateNoiseFloor()
    {
        // A repeated frame says nothing about the noise (a camera that sends a frame again
        // at a lower real rate, a codec's skipped blocks): most blocks exactly equal to the reference.
        if (_histogram[0] * 2 > Count)
            return;
        int rank = Count / 10, seen = 0, bin = 0;
        while (bin < Bins - 1 && (seen += _histogram[bin]) <= rank)
            bin++;
        double p10 = Math.Min(MaxNoiseFloor, (bin + 0.5) / BinsPerCode);
        // Smoothed over about ten frames either way: motion in a minority of blocks does not move the 10th percentile of
        // the frame-to-frame differences, and a slow fade moves it by its step per frame only.
        NoiseFloor += 0.1 * (p10 - NoiseFloor);
    }

    PixelRect BlockRect(int i)
    {
        int x0 = i % Cols * Block, y0 = i / Cols * Block;
        return new PixelRect(x0, y0, Math.Min(Width, x0 + Block), Math.Min(Height, y0 + Block));
    }

    /// <summary>The bounding box of the block's luma pixels that differ from the reference by more than <paramref name="level"/>.</summary>
    PixelRect Moved(byte[] y, int x0, int y0, int w, int h, int level)
    {
        int ax = int.MaxValue, ay = int.MaxValue, bx = -1, by = -1;
        for (int r = y0; r < y0 + h; r++)
            for (int x = x0; x < x0 + w; x++)
                if (Math.Abs(y[r * Width + x] - _refY[r * Width + x]) > level)
                {
                    ax = Math.Min(ax, x);
                    bx = Math.Max(bx, x);
                    ay = Math.Min(ay, r);
                    by = r;
                }
        // A diffuse change (every pixel a little) has no pixel above the level only if the mean is not either: then the block.
        return bx < 0 ? new PixelRect(x0, y0, x0 + w, y0 + h) : new PixelRect(ax, ay, bx + 1, by + 1);
    }

    /// <summary>Takes the changed blocks of <paramref name="lr"/> into the reference (their outputs were just recomputed).</summary>
    public void Accept(YuvFrame lr)
    {
        if (SceneCut)
        {
            AcceptAll(lr);
            return;
        }
        int cw = lr.ChromaWidth;
        for (int by = 0, i = 0; by < Rows; by++)
        {
            int y0 = by * Block, h = Math.Min(Block, Height - y0);
            for (int bx = 0; bx < Cols; bx++, i++)
            {
                if (_changed[i] == 0) continue;
                int x0 = bx * Block, w = Math.Min(Block, Width - x0);
                // Luma only where it moved: the pixels around stay what the outputs that read them were computed from.
                var e = _extents[i];
                CopyBlock(lr.Y, _refY, Width, e.X0, e.Y0, e.X1 - e.X0, e.Y1 - e.Y0);
                // Chroma only where it changed: where only luma moved, the chroma outside the recomputed rows was not redone.
                if (_chromaChanged[i] == 0) continue;
                CopyBlock(lr.U, _refU, cw, x0 / 2, y0 / 2, (w + 1) / 2, (h + 1) / 2);
                CopyBlock(lr.V, _refV, cw, x0 / 2, y0 / 2, (w + 1) / 2, (h + 1) / 2);
            }
        }
    }

    /// <summary>The whole frame becomes the reference (a frame computed in full).</summary>
    public void AcceptAll(YuvFrame lr)
    {
        lr.Y.AsSpan(0, _refY.Length).CopyTo(_refY);
        lr.U.AsSpan(0, _refU.Length).CopyTo(_refU);
        lr.V.AsSpan(0, _refV.Length).CopyTo(_refV);
        _hasReference = true;
    }

    static void CopyBlock(byte[] src, byte[] dst, int stride, int x0, int y0, int w, int h)
    {
        for (int y = y0; y < y0 + h; y++)
            src.AsSpan(y * stride + x0, w).CopyTo(dst.AsSpan(y * stride + x0, w));
    }
}

/// <summary>A rectangle of pixels, [X0, X1) x [Y0, Y1).</summary>
public readonly record struct PixelRect(int X0, int Y0, int X1, int Y1)
{
    public bool Intersects(int x0, int y0, int x1, int y1) => X0 < x1 && x0 < X1 && Y0 < y1 && y0 < Y1;
}
