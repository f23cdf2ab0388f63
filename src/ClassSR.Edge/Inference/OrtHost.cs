using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace ClassSR.Edge.Inference;

/// <summary>Session options shared by every model of the process, and where libonnxruntime.so is found.</summary>
public static class OrtHost
{
    /// <summary>
    /// Where a packaged install keeps ONNX Runtime, relative to the binary: the .deb puts the binary in /usr/bin and
    /// the library in /usr/lib/classsr-edge (a private library may not sit in /usr/lib itself), install.sh the same
    /// under /usr/local. A published folder keeps it beside the binary, which the default search finds first.
    /// </summary>
    public const string PackagedLibraryDirectory = "../lib/classsr-edge";

    static int _resolverSet;

    /// <summary>
    /// Makes ONNX Runtime load from beside the binary or from the packaged layout. Call it first thing in Main: a
    /// resolver can be set only once per assembly, and ONNX Runtime sets its own the first time any of its types is used.
    /// </summary>
    public static void UsePackagedLibrary()
    {
        if (Interlocked.Exchange(ref _resolverSet, 1) == 1)
            return;
        NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, Resolve);
        // Ours is set: ONNX Runtime's own (which looks in runtimes/<rid>/native) would only log that it is not used.
        OrtEnv.DisableDllImportResolver = true;
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "onnxruntime")
            return IntPtr.Zero;
        foreach (var dir in new[] { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, PackagedLibraryDirectory) })
            if (NativeLibrary.TryLoad(Path.Combine(dir, "libonnxruntime.so"), out var handle))
                return handle;
        return IntPtr.Zero; // the default search: LD_LIBRARY_PATH, the system's library directories
    }

    public static SessionOptions SessionOptions(int threads, string? optimizedModelPath)
    {
        var o = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            // A memory pattern is a block planned per input shape and kept: with regions of many shapes it held
            // 23 MB more (the daemon at 320x180: RSS 128 -> 105 MB), for no measurable speed.
            EnableMemoryPattern = false,
        };
        // Four sessions run one after another on the same cores: threads that keep spinning
        // after their session's run would steal time from the next session.
        o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (optimizedModelPath != null)
            o.OptimizedModelFilePath = optimizedModelPath;
        // Per-operator timings for finding where a branch's time goes (ONNX Runtime's JSON trace, one file per
        // session, written when the session is disposed). A developer's switch, so an environment variable.
        if (Environment.GetEnvironmentVariable("CLASSSR_ORT_PROFILE") is { Length: > 0 } prefix)
        {
            o.ProfileOutputPathPrefix = prefix; // before enabling: enabling takes the prefix set at that moment
            o.EnableProfiling = true;
        }
        return o;
    }

    public static string Version => OrtEnv.Instance().GetVersionString();
}
