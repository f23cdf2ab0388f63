using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Inference;

/// <summary>Chooses the precision where the CPU makes INT8 pay.</summary>
public static class CpuFeatures
{
    /// <summary>x86 VNNI or Arm dot-product (asimddp): the instructions that make INT8 convolution faster than FP32.</summary>
    public static bool HasInt8Dot => AvxVnni.IsSupported || Dp.IsSupported || CpuInfoFlags.Contains("avx512_vnni");

    // .NET exposes no AVX-512 VNNI check; the kernel's flag list does.
    static readonly HashSet<string> CpuInfoFlags = ReadCpuInfoFlags();

    static HashSet<string> ReadCpuInfoFlags()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("flags", StringComparison.Ordinal) || line.StartsWith("Features", StringComparison.Ordinal))
                    return [.. line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return [];
    }

    public static string Describe()
    {
        var f = new List<string>();
        if (Avx2.IsSupported) f.Add("avx2");
        if (Avx512F.IsSupported) f.Add("avx512f");
        if (AvxVnni.IsSupported) f.Add("avx-vnni");
        if (CpuInfoFlags.Contains("avx512_vnni")) f.Add("avx512-vnni");
        if (AdvSimd.IsSupported) f.Add("asimd");
        if (Dp.IsSupported) f.Add("asimddp");
        return f.Count == 0 ? "none" : string.Join(" ", f);
    }

    public static Precision Resolve(Precision p) =>
        p != Precision.Auto ? p : HasInt8Dot ? Precision.Int8 : Precision.Fp32;
}
