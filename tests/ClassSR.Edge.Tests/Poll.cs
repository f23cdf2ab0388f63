using Xunit;

namespace ClassSR.Edge.Tests;

/// <summary>Waits for what a background thread will do; fails with what was awaited, never passes on a timeout.</summary>
internal static class Poll
{
    public static void Until(Func<bool> condition, string what, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for {what}");
            Thread.Sleep(10);
        }
    }
}
