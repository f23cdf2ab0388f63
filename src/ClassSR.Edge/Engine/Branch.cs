namespace ClassSR.Edge.Engine;

/// <summary>
/// The three super-resolution branches, numbered by the class the classifier gives a tile: a simple tile (class 0)
/// runs the small branch, a medium one the medium branch, a hard one the large branch. /state and the class map name
/// classes (simple, medium, hard); the model set names branches (small, medium, large): the number is the same.
/// </summary>
public enum Branch : byte { Small = 0, Medium = 1, Large = 2 }

public static class Branches
{
    public const int Count = 3;

    /// <summary>The branch a single-branch mode runs every tile through; null for ClassSR (routed) and bicubic (none).</summary>
    public static Branch? Of(UpscaleMode mode) => mode switch
    {
        UpscaleMode.Small => Branch.Small,
        UpscaleMode.Medium => Branch.Medium,
        UpscaleMode.Large => Branch.Large,
        _ => null,
    };

    /// <summary>The class of the tiles a branch serves, as /state names it.</summary>
    public static string ClassName(Branch b) => b switch
    {
        Branch.Small => "simple",
        Branch.Medium => "medium",
        _ => "hard",
    };
}
