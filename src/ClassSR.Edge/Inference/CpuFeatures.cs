using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Inference;

/// <summary>Chooses the precision where the CPU makes INT8 pay.</summary>
public static class CpuFeatures
{
    // ONNX Runtime picks its kernels from what the CPU has, so the choice reads the kernel's flag list, not .NET's
    // Avx2.IsSupported & co.: in a native AOT binary those say what the binary was compiled for (x86-64 baseline
    // here, so "no AVX2" on an AVX2 machine), and .NET has no AVX-512 VNNI check at all.
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

    static readonly (string Flag, string Name)[] Known =
        [("avx2", "avx2"), ("avx512f", "avx512f"), ("avx_vnni", "avx-vnni"), ("avx512_vnni", "avx512-vnni"), ("asimd", "asimd"), ("asimddp", "asimddp")];

    /// <summary>x86 VNNI or Arm dot-product (asimddp) in a cpuinfo flag list.</summary>
    public static bool HasInt8DotIn(IReadOnlySet<string> flags) =>
        flags.Contains("avx_vnni") || flags.Contains("avx512_vnni") || flags.Contains("asimddp");

    /// <summary>
    /// Where INT8 beats FP32, from a cpuinfo flag list. Arm needs the dot-product instructions: without them (Pi 4's A72)
    /// INT8 is slower. On x86-64 AVX2 is enough: ONNX Runtime's u8s8 kernels ran the large branch 1.68x faster than
    /// FP32 on an AVX2-only EPYC here (21.5 vs 36.2 ms at 320x180), VNNI only adds to it.
    /// </summary>
    public static bool Int8PaysIn(IReadOnlySet<string> flags) => HasInt8DotIn(flags) || flags.Contains("avx2");

    /// <summary>The int8 dot-product instructions on this CPU (from cpuinfo; the runtime's own checks where it has none).</summary>
    public static bool HasInt8Dot => HasInt8DotIn(CpuInfoFlags) || AvxVnni.IsSupported || Dp.IsSupported;

    public static bool Int8Pays => Int8PaysIn(CpuInfoFlags) || HasInt8Dot || Avx2.IsSupported;

    public static string Describe()
    {
        var f = Known.Where(k => CpuInfoFlags.Contains(k.Flag)).Select(k => k.Name).ToList();
        return f.Count == 0 ? "none" : string.Join(" ", f);
    }

    public static Precision Resolve(Precision p) =>
        p != Precision.Auto ? p : Int8Pays ? Precision.Int8 : Precision.Fp32;
}
