using System.Text.Json.Serialization;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Evaluation;

public sealed class ImageResult
{
    public string Name { get; set; } = "";
    public int Width { get; set; }
    public int Height { get; set; }
    public double Psnr { get; set; }
    public double Ssim { get; set; }
    public double MacsRatio { get; set; }
    public double[] Shares { get; set; } = [];
    public double Ms { get; set; }
}

public sealed class EvalReport
{
    public string Mode { get; set; } = "";
    public string Precision { get; set; } = "";
    public string Hr { get; set; } = "";
    public string? Lr { get; set; }
    /// <summary>What was done to the LR before upscaling (none, jpeg:Q, noise:S).</summary>
    public string Degrade { get; set; } = "none";
    public int Scale { get; set; } = 4;
    public string Metric { get; set; } = "Y (BT.601 16..235) PSNR/SSIM, 4-pixel border crop";
    public List<ImageResult> Images { get; set; } = [];
    public ImageResult Mean { get; set; } = new();
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(EvalReport))]
public sealed partial class EvalJson : JsonSerializerContext;

/// <summary>
/// The field's protocol at scale s (2 or 4): HR cropped to a multiple of s, LR by MATLAB-compatible bicubic (or
/// given), Y-PSNR and SSIM of the HR-size output with s pixels cropped from each border.
/// </summary>
public static class Evaluator
{
    static readonly string[] Extensions = [".png", ".bmp", ".jpg", ".jpeg"];

    public static List<string> ListImages(string dir)
    {
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"'{dir}': no such folder");
        var files = Directory.GetFiles(dir).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToList();
        files.Sort(StringComparer.Ordinal);
        if (files.Count == 0)
            throw new IOException($"'{dir}': no PNG, BMP or JPEG images");
        return files;
    }

    /// <summary>Top-left crop of an RGB image to a multiple of the scale.</summary>
    public static (byte[] Rgb, int Width, int Height) ModCrop(byte[] rgb, int w, int h, int m)
    {
        int cw = w - w % m, ch = h - h % m;
        if (cw == w && ch == h) return (rgb, w, h);
        var o = new byte[cw * ch * 3];
        for (int y = 0; y < ch; y++)
            rgb.AsSpan(y * w * 3, cw * 3).CopyTo(o.AsSpan(y * cw * 3));
        return (o, cw, ch);
    }

    public static byte[] Downscale(byte[] rgb, int w, int h, int scale)
    {
        var lr = new byte[(w / scale) * (h / scale) * 3];
        new BicubicResizer(w, h, w / scale, h / scale, 3).Resize(rgb, w * 3, lr, (w / scale) * 3);
        return lr;
    }

    public const int MinSide = 16;

    /// <summary>One evaluation image: the mod-cropped HR's luma and the LR every upscaler is given.</summary>
    public sealed record Pair(string Name, double[] HrY, int Width, int Height, byte[] LrRgb, YuvFrame Lr, int Scale);

    /// <summary>The LR of an HR image as every mode (and a peer such as OpenCV's FSRCNN) gets it: ours by bicubic
    /// or the given one, then the degradation.</summary>
    public static Pair Prepare(string hrPath, string? lrPath, Degradation? degrade, int scale)
    {
        var (hr0, w0, h0) = ImageFile.Load(hrPath);
        // At least one LR pixel, and the metrics crop `scale` pixels from each border: 16x16 after the crop to a
        // multiple of the scale leaves at least an 8x8 region to score.
        if (w0 - w0 % scale < MinSide || h0 - h0 % scale < MinSide)
            throw new ImageFormatException($"'{hrPath}': {w0}x{h0} is too small to evaluate at x{scale} (needs at least {MinSide}x{MinSide})") { Path = hrPath };
        var (hr, w, h) = ModCrop(hr0, w0, h0, scale);
        int lw = w / scale, lh = h / scale;
        byte[] lr;
        if (lrPath != null)
        {
            var (l, gw, gh) = ImageFile.Load(lrPath);
            if (gw != lw || gh != lh)
                throw new ImageFormatException($"'{lrPath}': LR is {gw}x{gh}, expected {lw}x{lh} for HR {w}x{h}");
            lr = l;
        }
        else
            lr = Downscale(hr, w, h, scale);
        degrade?.Apply(lr, lw, lh, Path.GetFileName(hrPath));
        var lrFrame = new YuvFrame(lw, lh);
        ColorConvert.RgbToYuv(lr, lw, lh, lrFrame);
        var hrY = new double[w * h];
        ColorConvert.RgbToYFloat(hr, w, h, hrY);
        return new Pair(Path.GetFileName(hrPath), hrY, w, h, lr, lrFrame, scale);
    }

    /// <summary>PSNR and SSIM of an HR-size luma against the pair's HR.</summary>
    public static ImageResult Score(Pair pair, double[] srY) => new()
    {
        Name = pair.Name,
        Width = pair.Width,
        Height = pair.Height,
        Psnr = Metrics.PsnrY(srY, pair.HrY, pair.Width, pair.Height, pair.Scale),
        Ssim = Metrics.SsimY(srY, pair.HrY, pair.Width, pair.Height, pair.Scale),
    };

    public static ImageResult EvaluateOne(Upscaler up, string hrPath, string? lrPath, Degradation? degrade = null)
    {
        var pair = Prepare(hrPath, lrPath, degrade, up.Scale);
        var srFrame = up.CreateOutput(pair.Lr);
        up.Upscale(pair.Lr, srFrame);
        var srY = new double[pair.Width * pair.Height];
        for (int i = 0; i < srY.Length; i++) srY[i] = srFrame.Y[i];
        var r = Score(pair, srY);
        var s = up.Stats;
        r.MacsRatio = s.MacsRatio;
        r.Shares = [s.Share(0), s.Share(1), s.Share(2)];
        r.Ms = s.TotalMs;
        return r;
    }

    /// <summary>Every image of a folder, in name order, with the LR it is paired with (or none: our bicubic).</summary>
    public static IEnumerable<(string Hr, string? Lr)> Images(string hrDir, string? lrDir)
    {
        foreach (var f in ListImages(hrDir))
        {
            string? lrPath = lrDir is null ? null : Path.Combine(lrDir, Path.GetFileName(f));
            if (lrPath != null && !File.Exists(lrPath))
                throw new FileNotFoundException($"'{lrPath}': no LR image paired with '{f}'");
            yield return (f, lrPath);
        }
    }

    /// <summary>The report's mean row over its images.</summary>
    public static void Summarise(EvalReport report)
    {
        var im = report.Images;
        report.Mean = new ImageResult
        {
            Name = "mean",
            Psnr = im.Average(r => r.Psnr),
            Ssim = im.Average(r => r.Ssim),
            MacsRatio = im.Average(r => r.MacsRatio),
            Shares = [im.Average(r => r.Shares.ElementAtOrDefault(0)), im.Average(r => r.Shares.ElementAtOrDefault(1)), im.Average(r => r.Shares.ElementAtOrDefault(2))],
            Ms = im.Average(r => r.Ms),
        };
    }

    public static EvalReport Run(Upscaler up, string hrDir, string? lrDir, Action<ImageResult>? progress = null, Degradation? degrade = null)
    {
        var report = new EvalReport
        {
            Degrade = (degrade ?? Degradation.None).ToString(),
            Mode = up.Mode.ToString().ToLowerInvariant(),
            Precision = up.Precision.ToString().ToLowerInvariant(),
            Scale = up.Scale,
            Metric = $"Y (BT.601 16..235) PSNR/SSIM, {up.Scale}-pixel border crop",
            Hr = hrDir,
            Lr = lrDir,
        };
        foreach (var (f, lrPath) in Images(hrDir, lrDir))
        {
            var r = EvaluateOne(up, f, lrPath, degrade);
            report.Images.Add(r);
            progress?.Invoke(r);
        }
        Summarise(report);
        return report;
    }
}
