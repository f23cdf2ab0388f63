using System.Buffers;

namespace ClassSR.Edge.Imaging;

/// <summary>
/// The SR field's image-quality measures on 0..255 luma planes (row-major, stride = width), computed on the
/// region left after removing <c>crop</c> pixels from every border (4 for x4 by convention).
/// </summary>
public static class Metrics
{
    private const double Peak = 255.0;
    private const int Window = 11;
    private const double Sigma = 1.5;
    private static readonly double C1 = Math.Pow(0.01 * Peak, 2);
    private static readonly double C2 = Math.Pow(0.03 * Peak, 2);
    private static readonly double[] Gaussian = BuildGaussian();

    /// <summary>PSNR in dB; identical inputs give <see cref="double.PositiveInfinity"/> (no cap).</summary>
    public static double PsnrY(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int width, int height, int crop = 4)
    {
        CheckPlanes(a.Length, b.Length, width, height, crop, 1);
        double sum = 0;
        for (int y = crop; y < height - crop; y++)
        {
            ReadOnlySpan<double> ra = a.Slice(y * width + crop, width - 2 * crop);
            ReadOnlySpan<double> rb = b.Slice(y * width + crop, ra.Length);
            for (int x = 0; x < ra.Length; x++)
            {
                double d = ra[x] - rb[x];
                sum += d * d;
            }
        }
        return FromMse(sum / ((double)(width - 2 * crop) * (height - 2 * crop)));
    }

    /// <inheritdoc cref="PsnrY(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int)"/>
    public static double PsnrY(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int width, int height, int crop = 4) =>
        FromMse(MseY(a, b, width, height, crop));

    /// <summary>Mean squared error over the luma planes with the border cropped: what video figures pool over frames.</summary>
    public static double MseY(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int width, int height, int crop = 4)
    {
        CheckPlanes(a.Length, b.Length, width, height, crop, 1);
        long sum = 0;
        for (int y = crop; y < height - crop; y++)
        {
            ReadOnlySpan<byte> ra = a.Slice(y * width + crop, width - 2 * crop);
            ReadOnlySpan<byte> rb = b.Slice(y * width + crop, ra.Length);
            for (int x = 0; x < ra.Length; x++)
            {
                int d = ra[x] - rb[x];
                sum += d * d;
            }
        }
        return sum / ((double)(width - 2 * crop) * (height - 2 * crop));
    }

    /// <summary>PSNR in dB over two whole buffers of samples (e.g. interleaved RGB); identical gives +infinity.</summary>
    public static double Psnr(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length || a.IsEmpty)
            throw new ArgumentException($"buffers must be non-empty and equal in length ({a.Length} vs {b.Length})");
        long sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int d = a[i] - b[i];
            sum += d * d;
        }
        return FromMse((double)sum / a.Length);
    }

    /// <summary>
    /// SSIM (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03, L 255, 'valid' filtering
    /// of the cropped region, mean of the map. Matches MATLAB's ssim_index and the SR papers' calculate_ssim.
    /// The cropped region must be at least 11x11. Allocates its work buffers from the shared pool.
    /// </summary>
    public static double SsimY(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int width, int height, int crop = 4)
    {
        CheckPlanes(a.Length, b.Length, width, height, crop, Window);
        int w = width - 2 * crop, h = height - 2 * crop;
        double[] ra = ArrayPool<double>.Shared.Rent(w * h);
        double[] rb = ArrayPool<double>.Shared.Rent(w * h);
        try
        {
            for (int y = 0; y < h; y++)
            {
                a.Slice((y + crop) * width + crop, w).CopyTo(ra.AsSpan(y * w, w));
                b.Slice((y + crop) * width + crop, w).CopyTo(rb.AsSpan(y * w, w));
            }
            return Ssim(ra, rb, w, h);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(ra);
            ArrayPool<double>.Shared.Return(rb);
        }
    }

    /// <inheritdoc cref="SsimY(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int)"/>
    public static double SsimY(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int width, int height, int crop = 4)
    {
        CheckPlanes(a.Length, b.Length, width, height, crop, Window);
        int w = width - 2 * crop, h = height - 2 * crop;
        double[] ra = ArrayPool<double>.Shared.Rent(w * h);
        double[] rb = ArrayPool<double>.Shared.Rent(w * h);
        try
        {
            for (int y = 0; y < h; y++)
            {
                ReadOnlySpan<byte> sa = a.Slice((y + crop) * width + crop, w), sb = b.Slice((y + crop) * width + crop, w);
                Span<double> da = ra.AsSpan(y * w, w), db = rb.AsSpan(y * w, w);
                for (int x = 0; x < w; x++)
                {
                    da[x] = sa[x];
                    db[x] = sb[x];
                }
            }
            return Ssim(ra, rb, w, h);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(ra);
            ArrayPool<double>.Shared.Return(rb);
        }
    }

    /// <summary>
    /// Video's PSNR: of the mean squared error pooled over the frames, so one exact frame (a black one) leaves it
    /// finite; an exact run is capped at 99 dB, so the figure stays a number.
    /// </summary>
    public static double PooledPsnr(double meanMse) => meanMse == 0 ? 99 : Math.Min(99, FromMse(meanMse));

    private static double FromMse(double mse) => mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(Peak * Peak / mse);

    // Separable: the 2-D window is the outer product of the normalised 1-D Gaussian. Filtering x, y, x², y², xy
    // horizontally first leaves (w - 10) columns; the vertical pass then yields one SSIM-map row at a time.
    private static double Ssim(double[] a, double[] b, int w, int h)
    {
        int ow = w - Window + 1, oh = h - Window + 1;
        int plane = h * ow;
        double[] filtered = ArrayPool<double>.Shared.Rent(5 * plane);
        try
        {
            Span<double> mx = filtered.AsSpan(0, plane), my = filtered.AsSpan(plane, plane);
            Span<double> xx = filtered.AsSpan(2 * plane, plane), yy = filtered.AsSpan(3 * plane, plane);
            Span<double> xy = filtered.AsSpan(4 * plane, plane);
            ReadOnlySpan<double> g = Gaussian;
            for (int y = 0; y < h; y++)
            {
                ReadOnlySpan<double> ra = a.AsSpan(y * w, w), rb = b.AsSpan(y * w, w);
                for (int x = 0; x < ow; x++)
                {
                    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                    for (int k = 0; k < Window; k++)
                    {
                        double p = ra[x + k], q = rb[x + k], gk = g[k];
                        sx += gk * p;
                        sy += gk * q;
                        sxx += gk * p * p;
                        syy += gk * q * q;
                        sxy += gk * p * q;
                    }
                    int o = y * ow + x;
                    mx[o] = sx; my[o] = sy; xx[o] = sxx; yy[o] = syy; xy[o] = sxy;
                }
            }

            double total = 0;
            for (int y = 0; y < oh; y++)
            {
                for (int x = 0; x < ow; x++)
                {
                    double mu1 = 0, mu2 = 0, e11 = 0, e22 = 0, e12 = 0;
                    for (int k = 0; k < Window; k++)
                    {
                        int o = (y + k) * ow + x;
                        double gk = g[k];
                        mu1 += gk * mx[o];
                        mu2 += gk * my[o];
                        e11 += gk * xx[o];
                        e22 += gk * yy[o];
                        e12 += gk * xy[o];
                    }
                    double mu11 = mu1 * mu1, mu22 = mu2 * mu2, mu12 = mu1 * mu2;
                    total += (2 * mu12 + C1) * (2 * (e12 - mu12) + C2)
                           / ((mu11 + mu22 + C1) * ((e11 - mu11) + (e22 - mu22) + C2));
                }
            }
            return total / ((double)ow * oh);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(filtered);
        }
    }

    private static void CheckPlanes(int lengthA, int lengthB, int width, int height, int crop, int minimum)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(crop);
        if (width - 2 * crop < minimum || height - 2 * crop < minimum)
            throw new ArgumentException($"{width}x{height} cropped by {crop} leaves less than {minimum}x{minimum}");
        long n = (long)width * height;
        if (lengthA < n || lengthB < n)
            throw new ArgumentException($"planes hold {lengthA} and {lengthB} samples, {width}x{height} needs {n}");
    }

    private static double[] BuildGaussian()
    {
        var g = new double[Window];
        double sum = 0;
        for (int i = 0; i < Window; i++)
        {
            double d = i - Window / 2;
            g[i] = Math.Exp(-d * d / (2 * Sigma * Sigma));
            sum += g[i];
        }
        for (int i = 0; i < Window; i++)
            g[i] /= sum;
        return g;
    }
}
