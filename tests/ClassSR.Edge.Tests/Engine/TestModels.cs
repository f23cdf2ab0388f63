using ClassSR.Edge.Models;
using Xunit;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests.Engine;

internal static class TestModels
{
    /// <summary>
    /// The models the recipe's --quick run made in this test command (./build.sh test runs it first). A clone without
    /// ../shared cannot train them (the recipe trains on its datasets): there the shipped set stands in, the same
    /// engine on bigger networks, so every test of behaviour still runs.
    /// </summary>
    public static ModelSet Quick()
    {
        string dir = Path.Combine(TestImages.RepositoryRoot, "models-int8", "recipe", "work-quick", "models");
        if (!File.Exists(Path.Combine(dir, "manifest.json")))
        {
            if (!SharedData.Present)
                return Shipped();
            Assert.Fail($"'{dir}' has no models: run models-int8/recipe/make.sh --quick first (./build.sh test does)");
        }
        return ModelSet.Load(dir);
    }

    /// <summary>
    /// The x2 set of the recipe's quick run (make.sh --quick --scale 2). Without ../shared there is none to train, and
    /// no x2 set is shipped yet: null, and the x2 tests say so.
    /// </summary>
    public static ModelSet? QuickX2()
    {
        string dir = Path.Combine(TestImages.RepositoryRoot, "models-int8", "recipe", "work-quick-x2", "models");
        if (File.Exists(Path.Combine(dir, "manifest.json")))
            return ModelSet.Load(dir);
        string shipped = Path.Combine(TestImages.RepositoryRoot, "models-int8", "x2");
        if (File.Exists(Path.Combine(shipped, "manifest.json")))
            return ModelSet.Load(shipped);
        if (SharedData.Present)
            Assert.Fail($"'{dir}' has no models: run models-int8/recipe/make.sh --quick --scale 2 first (./build.sh test does)");
        return null;
    }

    /// <summary>An output frame for <paramref name="lr"/> at the x4 sets' scale (the quick and the shipped x4 set).</summary>
    public static ClassSR.Edge.Imaging.YuvFrame Output(ClassSR.Edge.Imaging.YuvFrame lr) => new(lr.Width * 4, lr.Height * 4, lr.Range);

    /// <summary>The trained models the product ships.</summary>
    public static ModelSet Shipped() => ModelSet.Load(Path.Combine(TestImages.RepositoryRoot, "models-int8"));
}
