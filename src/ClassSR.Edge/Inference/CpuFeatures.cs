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

    /// <summary>
    /// Where INT8 beats FP32. Arm needs the dot-product instructions: without them (Pi 4's A72) INT8
    /// is slower. On x86-64 AVX2 is enough: ONNX Runtime's u8s8 kernels ran the large branch 1.68x
    /// faster than FP32 on an AVX2-only EPYC here (21.5 vs 36.2 ms at 320x180), VNNI only adds to it.
    /// </summary>
    public static bool Int8Pays => HasInt8Dot || Avx2.IsSupported;

    public static Precision Resolve(Precision p) =>
        p != Precision.Auto ? p : Int8Pays ? Precision.Int8 : Precision.Fp32;
}
