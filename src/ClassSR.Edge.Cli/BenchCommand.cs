namespace ClassSR.Edge.Cli;

public static class BenchCommand
{
    public static int Run(ReadOnlySpan<string> argv) => throw new UsageException("bench: not built yet");
}
