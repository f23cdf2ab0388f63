using System.Text.Json.Serialization;

namespace ClassSR.Edge.Models;

/// <summary>models-int8/manifest.json: what the recipe made and how the engine must feed it.</summary>
public sealed class Manifest
{
    public int Scale { get; set; }
    public string Colour { get; set; } = "";
    public string Normalization { get; set; } = "";
    public int Tile { get; set; }
    public int Stride { get; set; }
    public ClassThresholds? Thresholds { get; set; }
    public int WeightBits { get; set; }
    public Dictionary<string, string>? Recipe { get; set; }
    public List<ModelEntry> Models { get; set; } = [];
}

public sealed class ClassThresholds
{
    public double PsnrSimpleMin { get; set; }
    public double PsnrHardMax { get; set; }
}

public sealed class ModelEntry
{
    public string File { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public string Role { get; set; } = "";
    public string Precision { get; set; } = "";
    public double MacsPerLrPixel { get; set; }
    public int Halo { get; set; }
    public Dictionary<string, int>? Shape { get; set; }
    public Dictionary<string, double>? Psnr { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(Manifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
