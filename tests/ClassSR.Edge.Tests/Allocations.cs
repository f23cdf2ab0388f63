namespace ClassSR.Edge.Tests;

/// <summary>What a per-frame action allocates once it is warm.</summary>
static class Allocations
{
    /// <summary>
    /// Bytes allocated on this thread by <paramref name="frames"/> calls, the least over a few windows. The runtime
    /// itself allocates on the test thread now and then (tier-up and on-stack replacement compile hot loops there):
    /// a one-off, not a per-frame cost. An action that allocates at least once in every <paramref name="frames"/> calls
    /// shows in every window.
    /// </summary>
    public static long Steady(Action perFrame, int frames = 8, int windows = 3)
    {
        perFrame(); // first-use allocations (buffers sized to the stream) are allowed
        perFrame();
        long least = long.MaxValue;
        for (int w = 0; w < windows && least != 0; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < frames; i++)
                perFrame();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
