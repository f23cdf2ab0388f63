using Xunit;

namespace ClassSR.Edge.Tests;

public class AllocationsTests
{
    static object? _sink;

    [Fact]
    public void An_action_that_allocates_on_every_call_is_counted()
    {
        Assert.True(Allocations.Steady(() => _sink = new byte[100]) >= 3 * 100);
    }

    [Fact]
    public void An_action_that_allocates_only_on_first_use_is_not()
    {
        byte[]? buffer = null;
        Assert.Equal(0, Allocations.Steady(() => buffer ??= new byte[100]));
    }
}
