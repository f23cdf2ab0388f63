using Microsoft.ML.OnnxRuntime;

namespace ClassSR.Edge.Inference;

/// <summary>Session options shared by every model of the process.</summary>
public static class OrtHost
{
    public static SessionOptions SessionOptions(int threads, string? optimizedModelPath)
    {
        var o = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // Four sessions run one after another on the same cores: threads that keep spinning
        // after their session's run would steal time from the next session.
        o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (optimizedModelPath != null)
            o.OptimizedModelFilePath = optimizedModelPath;
        return o;
    }

    public static string Version => OrtEnv.Instance().GetVersionString();
}
