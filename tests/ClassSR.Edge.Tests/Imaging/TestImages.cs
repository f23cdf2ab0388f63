using ClassSR.Edge.Imaging;
using Xunit;

namespace ClassSR.Edge.Tests.Imaging;

internal static class TestImages
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The folder holding ClassSR.Edge.sln, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>
    /// A folder under ../shared. Missing data must fail the test: a validation that silently passes without
    /// its data validates nothing.
    /// </summary>
    public static string SharedFolder(string relative)
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", relative));
        if (!Directory.Exists(path))
            Assert.Fail($"test data folder '{path}' is missing (expected ../shared/{relative} beside the repository root '{RepositoryRoot}')");
        return path;
    }

    /// <summary>
    /// Smooth gradients plus, with <paramref name="edges"/>, a saturated square and 3-pixel green stripes: colour
    /// detail finer than 4:2:0 chroma can hold, so only luma survives subsampling there.
    /// </summary>
    public static byte[] Synthetic(int width, int height, int seed = 0, bool edges = true)
    {
        var rgb = new byte[3 * width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double r = 128 + 90 * Math.Sin((x + seed) / 9.0) * Math.Cos(y / 13.0);
                double g = 40 + 170.0 * x / Math.Max(1, width - 1);
                double b = 200 - 150.0 * y / Math.Max(1, height - 1);
                bool square = edges && x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2;
                if (square)
                {
                    r = 230;
                    g = 30;
                    b = 60;
                }
                if (edges && y > 3 * height / 4 && (x / 3) % 2 == 0)
                    g = 250;
                int i = 3 * (y * width + x);
                rgb[i] = (byte)Math.Clamp(Math.Round(r), 0, 255);
                rgb[i + 1] = (byte)Math.Clamp(Math.Round(g), 0, 255);
                rgb[i + 2] = (byte)Math.Clamp(Math.Round(b), 0, 255);
            }
        }
        return rgb;
    }

    /// <summary><see cref="Synthetic"/> as a limited-range I420 frame.</summary>
    /// <summary>A synthetic picture saved as PNG in <paramref name="dir"/>: an input for the CLI where any image will do.</summary>
    public static string SyntheticPng(string dir, int width = 128, int height = 96, int seed = 0)
    {
        string path = Path.Combine(dir, $"synthetic-{width}x{height}-{seed}.png");
        ImageFile.Save(path, Synthetic(width, height, seed), width, height);
        return path;
    }

    public static YuvFrame SyntheticFrame(int width, int height, int seed = 0)
    {
        var f = new YuvFrame(width, height);
        ColorConvert.RgbToYuv(Synthetic(width, height, seed), width, height, f);
        return f;
    }

    public static string TemporaryDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "classsr-imaging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClassSR.Edge.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"ClassSR.Edge.sln not found above '{AppContext.BaseDirectory}'");
    }
}
