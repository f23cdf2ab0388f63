using System.Reflection;
using ClassSR.Edge.Daemon;
using Xunit;

namespace ClassSR.Edge.Tests.Deploy;

/// <summary>The product binary holds no test double: the simulated twins live in ClassSR.Edge.TestSupport, which no product project references.</summary>
public class ProductAssemblyTests
{
    /// <summary>The CLI's assembly and every ClassSR assembly it references, transitively.</summary>
    static List<Assembly> Product()
    {
        var seen = new Dictionary<string, Assembly>();
        var todo = new Stack<Assembly>([typeof(ClassSR.Edge.Cli.Cli).Assembly]);
        while (todo.TryPop(out var a))
        {
            if (!seen.TryAdd(a.GetName().Name!, a))
                continue;
            foreach (var r in a.GetReferencedAssemblies())
                if (r.Name!.StartsWith("ClassSR.", StringComparison.Ordinal) || r.Name == "classsr-edge")
                    todo.Push(Assembly.Load(r));
        }
        return [.. seen.Values];
    }

    [Fact]
    public void No_simulated_device_is_in_the_product_and_no_product_assembly_references_the_test_support()
    {
        var product = Product();
        Assert.Equal(["ClassSR.Edge", "ClassSR.Edge.Bench", "ClassSR.Edge.Daemon", "ClassSR.Edge.IO", "classsr-edge"], product.Select(a => a.GetName().Name).Order(StringComparer.Ordinal));
        foreach (var a in product)
        {
            var simulated = a.GetTypes().Where(t => t.Name.StartsWith("Simulated", StringComparison.Ordinal) || t.Name == "BoardModel").Select(t => t.FullName);
            Assert.Empty(simulated);
            Assert.DoesNotContain(a.GetReferencedAssemblies(), r => r.Name == "ClassSR.Edge.TestSupport");
        }
        // The twins are there, beside the tests, in the bindings' own namespaces.
        var twins = typeof(ClassSR.Edge.IO.V4l2.SimulatedV4l2Device).Assembly;
        Assert.Equal("ClassSR.Edge.TestSupport", twins.GetName().Name);
        Assert.Contains(twins.GetTypes(), t => t.Name == "SimulatedFramebuffer");
        Assert.NotNull(typeof(DaemonHost));
    }
}
