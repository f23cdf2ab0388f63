using ClassSR.Edge.Inference;
using Xunit;

namespace ClassSR.Edge.Tests.Inference;

public class CpuFeaturesTests
{
    static HashSet<string> Flags(string line) => [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    [Theory]
    [InlineData("fp asimd evtstrm crc32 cpuid", false, false)]                                  // Raspberry Pi 4, Cortex-A72
    [InlineData("fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics asimdrdm lrcpc dcpop asimddp", true, true)] // Pi 5, A76
    [InlineData("fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma", false, true)]                   // AVX2-only x86-64
    [InlineData("fpu sse sse2 avx avx2 avx512f avx512_vnni", true, true)]                        // x86-64 with AVX-512 VNNI
    [InlineData("fpu sse sse2 sse4_2", false, false)]                                            // old x86-64
    public void Int8_is_chosen_from_the_cpus_own_flags(string flags, bool dot, bool pays)
    {
        Assert.Equal(dot, CpuFeatures.HasInt8DotIn(Flags(flags)));
        Assert.Equal(pays, CpuFeatures.Int8PaysIn(Flags(flags)));
    }
}
