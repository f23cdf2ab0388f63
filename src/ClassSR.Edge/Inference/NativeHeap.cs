using System.Runtime.InteropServices;

namespace ClassSR.Edge.Inference;

/// <summary>
/// glibc's heap, where ONNX Runtime's buffers live. Its arena count cannot be lowered from inside once the runtime's
/// threads exist (mallopt(M_ARENA_MAX) in Main did not move the RSS), so the service sets MALLOC_ARENA_MAX=1 in its
/// environment instead (classsr-edge.service; 97 -> 87 MB at 320x180 -> 1280x720).
/// </summary>
public static partial class NativeHeap
{
    /// <summary>Gives back pages freed by nets made and dropped at start-up (auto precision times both and keeps one).</summary>
    public static void ReleaseFreed()
    {
        try
        {
            MallocTrim(0);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back.
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
