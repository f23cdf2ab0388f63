using ClassSR.Edge.Models;
using ClassSR.Edge.Tests.Imaging;
using Xunit;

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

    /// <summary>The trained models the product ships.</summary>
    public static ModelSet Shipped() => ModelSet.Load(Path.Combine(TestImages.RepositoryRoot, "models-int8"));
}
