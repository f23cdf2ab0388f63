using Xunit;
using ClassSR.Edge.Tests.Imaging;

namespace ClassSR.Edge.Tests;

/// <summary>
/// Where the datasets are: ../shared beside the repository. CI has it; a user's clone does not, and there the tests
/// that need it are skipped with the reason (build.sh test names them). Where ../shared exists, a missing folder in it
/// still fails the test: a validation that silently passes without its data validates nothing.
/// </summary>
internal static class SharedData
{
    public static string Root => Path.GetFullPath(Path.Combine(TestImages.RepositoryRoot, "..", "shared"));

    public static bool Present => Directory.Exists(Root);

    public static string? SkipReason(string what) =>
        Present ? null : $"needs {what} from ../shared, which this clone does not have ({Root})";
}

/// <summary>A fact that needs ../shared: skipped, with the reason, in a clone without it.</summary>
internal sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string what) => Skip = SharedData.SkipReason(what);
}

/// <summary>A theory that needs ../shared: skipped, with the reason, in a clone without it.</summary>
internal sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(string what) => Skip = SharedData.SkipReason(what);
}
