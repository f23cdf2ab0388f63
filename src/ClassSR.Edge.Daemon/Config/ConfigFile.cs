using System.Text.Json;
using System.Text.RegularExpressions;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Daemon.Config;

/// <summary>The configuration file is wrong; the message is one line naming the file, the key and the reason.</summary>
// An ArgumentException so the CLI reports it as one line with exit status 1, like other bad input.
public sealed class ConfigException(string message) : ArgumentException(Printable.Of(message));

public static partial class ConfigFile
{
    public const string DefaultPath = "/etc/classsr-edge/config.json";

    public const string ModeNames = "classsr, small, medium, large, bicubic";
    public const string PrecisionNames = "int8, fp32, auto";
    public const string LogLevelNames = "debug, info, warn, error";

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <param name="optional">A missing file gives <see cref="OptionValues.Empty"/> (the default path) instead of an error.</param>
    /// <exception cref="ConfigException">Unreadable, not JSON, an unknown key, a wrong type or a bad value.</exception>
    public static OptionValues Load(string path, bool optional = false)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (optional)
                return OptionValues.Empty;
            throw new ConfigException($"{path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(Directory.Exists(path) ? $"{path}: is a directory, not a configuration file"
                : e is UnauthorizedAccessException ? $"{path}: permission denied" : $"{path}: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <param name="name">What messages call the file.</param>
    public static OptionValues Parse(string json, string name)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
                // Two values for one key: which one a reader expects is a guess, so the file is refused.
                AllowDuplicateProperties = false,
            });
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{name}: {Describe(e, json)}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind == JsonValueKind.Null)
                throw new ConfigException($"{name}: the file holds null, not an object");
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ConfigException($"{name}: the top level must be a JSON object");
            var keys = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
                keys[p.Name] = p.Value;
            try
            {
                // A misspelt key would otherwise be ignored silently and the daemon run with a default the user did not mean.
                return OptionValues.FromJson(keys, OptionTable.All);
            }
            catch (ConfigException e)
            {
                throw new ConfigException($"{name}: {e.Message}");
            }
        }
    }

    public static UpscaleMode? ParseMode(string s) => s switch
    {
        "classsr" => UpscaleMode.ClassSR,
        "small" => UpscaleMode.Small,
        "medium" => UpscaleMode.Medium,
        "large" => UpscaleMode.Large,
        "bicubic" => UpscaleMode.Bicubic,
        _ => null,
    };

    public static Precision? ParsePrecision(string s) => s switch
    {
        "auto" => Models.Precision.Auto,
        "int8" => Models.Precision.Int8,
        "fp32" => Models.Precision.Fp32,
        _ => null,
    };

    public static LogLevel? ParseLogLevel(string s) => s switch
    {
        "debug" => Daemon.LogLevel.Debug,
        "info" => Daemon.LogLevel.Info,
        "warn" => Daemon.LogLevel.Warn,
        "error" => Daemon.LogLevel.Error,
        _ => null,
    };

    // The parser's messages name JSON paths and byte offsets; say which key or line instead.
    static string Describe(JsonException e, string json)
    {
        var duplicate = DuplicateProperty().Match(e.Message);
        if (duplicate.Success)
        {
            // The parser notices at the end of the object; the line a reader wants is the second key's.
            string key = duplicate.Groups[1].Value;
            int at = json.LastIndexOf($"\"{key}\"", StringComparison.Ordinal);
            int line = at < 0 ? (int)(e.LineNumber ?? 0) + 1 : json.AsSpan(0, at).Count('\n') + 1;
            return $"\"{key}\" is given twice (at line {line})";
        }
        return $"not valid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}";
    }

    [GeneratedRegex(@"Duplicate property '([^']*)'")]
    private static partial Regex DuplicateProperty();
}
