using ClassSR.Edge.Inference;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Cli;

public static class InfoCommand
{
    public static int Run(ReadOnlySpan<string> argv)
    {
        var a = new Args(argv, new HashSet<string>());
        string dir = a.Get("models") ?? ModelSet.DefaultDirectory();
        a.RejectUnknown();
        Console.WriteLine($"classsr-edge {typeof(InfoCommand).Assembly.GetName().Version?.ToString(3)}");
        Console.WriteLine($"runtime      .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}, " +
            $"{(Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? "JIT" : "native AOT")}");
        Console.WriteLine($"onnxruntime  {OrtHost.Version}");
        Console.WriteLine($"cpu          {Environment.ProcessorCount} cores, features: {CpuFeatures.Describe()}");
        Console.WriteLine($"precision    auto -> {CpuFeatures.Resolve(Precision.Auto).ToString().ToLowerInvariant()} " +
            $"({(CpuFeatures.HasInt8Dot ? "int8 dot-product instructions" : CpuFeatures.Int8Pays ? "AVX2 u8s8 kernels" : "no fast int8 kernels")})");
        int bad = 0;
        // The folder's own set and each scale's subfolder (models-int8 holds x4, and x2 in x2/).
        var sets = new List<string> { dir };
        foreach (int scale in ModelSet.Scales)
            if (File.Exists(Path.Combine(dir, $"x{scale}", "manifest.json")))
                sets.Add(Path.Combine(dir, $"x{scale}"));
        foreach (string d in sets)
        {
            var set = ModelSet.Load(d, verifyHashes: false);
            Console.WriteLine($"models       {Path.GetFullPath(d)} (x{set.Manifest.Scale}, {set.Manifest.Colour}, tile {set.Manifest.Tile})");
            foreach (var e in set.Manifest.Models)
            {
                string status;
                try
                {
                    set.Verify(e);
                    status = "sha256 ok";
                }
                catch (ModelException ex)
                {
                    status = "BAD: " + ex.Message;
                    bad++;
                }
                Console.WriteLine($"  {e.File,-22} {e.Precision,-5} {e.MacsPerLrPixel,8:F0} MACs/px  halo {e.Halo}  {status}");
            }
        }
        return bad == 0 ? 0 : 1;
    }
}
