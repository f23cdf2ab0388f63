using System.Security.Cryptography;
using System.Text.Json;

namespace ClassSR.Edge.Models;

/// <summary>A start-up error about the models: one line that names the file and the reason.</summary>
public sealed class ModelException(string message) : Exception(message);

public enum Precision { Int8, Fp32, Auto }

public static class Roles
{
    public const string Classifier = "classifier";
    public static readonly string[] Branches = ["small", "medium", "large"];
}

/// <summary>The manifest of a model folder, checked: every file present and matching its sha256.</summary>
public sealed class ModelSet
{
    public string Directory { get; }
    public Manifest Manifest { get; }

    ModelSet(string dir, Manifest manifest)
    {
        Directory = dir;
        Manifest = manifest;
    }

    public static ModelSet Load(string dir, bool verifyHashes = true)
    {
        string path = Path.Combine(dir, "manifest.json");
        if (!File.Exists(path))
            throw new ModelException($"'{path}': no manifest.json in the models folder");
        Manifest? m;
        try
        {
            m = JsonSerializer.Deserialize(File.ReadAllText(path), ManifestJson.Default.Manifest);
        }
        catch (JsonException e)
        {
            throw new ModelException($"'{path}': not a valid manifest ({e.Message})");
        }
        if (m is null || m.Models.Count == 0)
            throw new ModelException($"'{path}': manifest lists no models");
        if (!Scales.Contains(m.Scale) || m.Tile <= 0)
            throw new ModelException($"'{path}': unsupported scale {m.Scale} or tile {m.Tile} (scales: {string.Join(", ", Scales)})");
        var set = new ModelSet(dir, m);
        if (verifyHashes)
            foreach (var e in m.Models)
                set.Verify(e);
        return set;
    }

    /// <summary>The scales the engine runs (the model set says which it is).</summary>
    public static readonly int[] Scales = [2, 4];
    /// <summary>The scale when none is asked for: the x4 set, the one the product shipped first.</summary>
    public const int DefaultScale = 4;

    public int Scale => Manifest.Scale;

    /// <summary>
    /// The folder of the model set for <paramref name="scale"/>: <paramref name="dir"/> itself when its manifest is of
    /// that scale, else its x2/ or x4/ subfolder (the repository's models-int8 holds the x4 set and, in x2/, the x2 one).
    /// </summary>
    /// <exception cref="ModelException">Neither holds a set of that scale; the message names both places.</exception>
    public static string DirectoryFor(string dir, int scale)
    {
        if (!Scales.Contains(scale))
            throw new ModelException($"scale {scale} is not one of {string.Join(", ", Scales)}");
        string sub = Path.Combine(dir, $"x{scale}");
        int? own = ScaleOf(dir);
        if (own == scale || (own is null && !File.Exists(Path.Combine(sub, "manifest.json"))))
            return dir; // Load names what is wrong with it.
        if (File.Exists(Path.Combine(sub, "manifest.json")))
            return sub;
        throw new ModelException($"'{dir}': no x{scale} model set (its manifest is x{own}, and there is no {sub}{Path.DirectorySeparatorChar}manifest.json)");
    }

    static int? ScaleOf(string dir)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(dir, "manifest.json")), ManifestJson.Default.Manifest)?.Scale;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public ModelEntry Find(string role, Precision precision)
    {
        string p = precision == Precision.Fp32 ? "fp32" : "int8";
        foreach (var e in Manifest.Models)
            if (e.Role == role && e.Precision == p)
                return e;
        throw new ModelException($"'{Path.Combine(Directory, "manifest.json")}': no {p} model for role '{role}'");
    }

    public string PathOf(ModelEntry e) => Path.Combine(Directory, e.File);

    public void Verify(ModelEntry e)
    {
        string file = PathOf(e);
        if (!File.Exists(file))
            throw new ModelException($"'{file}': model file missing");
        string sha = Sha256Of(file);
        if (!string.Equals(sha, e.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelException($"'{file}': sha256 {sha} does not match the manifest ({e.Sha256})");
    }

    public static string Sha256Of(string file)
    {
        using var s = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    /// <summary>Where the models are when no folder is given: beside the binary, else the repository's models-int8.</summary>
    public static string DefaultDirectory()
    {
        string? env = Environment.GetEnvironmentVariable("CLASSSR_MODELS");
        if (!string.IsNullOrEmpty(env))
            return env;
        string beside = Path.Combine(AppContext.BaseDirectory, "models");
        if (File.Exists(Path.Combine(beside, "manifest.json")))
            return beside;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "models-int8");
            if (File.Exists(Path.Combine(candidate, "manifest.json")))
                return candidate;
        }
        // A packaged install: /usr/bin with /usr/share (the .deb), or /usr/local/bin with /usr/local/share (install.sh).
        string packaged = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../share/classsr-edge/models"));
        foreach (var sys in new[] { packaged, "/usr/share/classsr-edge/models" })
            if (File.Exists(Path.Combine(sys, "manifest.json")))
                return sys;
        return beside;
    }
}
