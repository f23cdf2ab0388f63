using ClassSR.Edge.Daemon.Control;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ClassSR.Edge.Daemon.Devices.V4l2;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Daemon.Config;

/// <summary>The configuration file is wrong; the message is one line naming the file, the key and the reason.</summary>
// An ArgumentException so the CLI reports it as one line with exit status 1, like other bad input.
public sealed class ConfigException(string message) : ArgumentException(Printable.Of(message));

/// <summary>
/// What the configuration file asked for, checked: every member is null where the file did not say, so the
/// command line can fill in or override it. Only user intent lives here, never runtime state.
/// </summary>
public sealed record DaemonConfig
{
    public string? Source { get; init; }
    public string? Raw { get; init; }
    public double? Fps { get; init; }
    public bool? Loop { get; init; }
    public string? Size { get; init; }
    public string? PixelFormat { get; init; }
    /// <summary>Set when the file has "listen"; <see cref="Listen"/> null then means "none".</summary>
    public bool ListenSet { get; init; }
    public ListenAddress? Listen { get; init; }
    public string? AuthToken { get; init; }
    /// <summary>Every output the file names ("output": a string or a list); null: the file did not say.</summary>
    public OutputSpecs? Outputs { get; init; }
    /// <summary>Set when the file has "frames_socket"; <see cref="FramesSocket"/> null then means "none".</summary>
    public bool FramesSocketSet { get; init; }
    public string? FramesSocket { get; init; }
    public int? GpioChip { get; init; }
    public int? LedPin { get; init; }
    public int? ButtonPin { get; init; }
    public UpscaleMode? Mode { get; init; }
    public Precision? Precision { get; init; }
    public string? Models { get; init; }
    /// <summary>Temporal reuse ("reuse": "on" or "off") and its two settings.</summary>
    public bool? Reuse { get; init; }
    public double? ReuseThreshold { get; init; }
    public int? RefreshEvery { get; init; }
    /// <summary>The frame-budget controller: "target_fps" (a rate, "source" or "off") and "latency_budget" (ms or "auto"), checked.</summary>
    public string? TargetFps { get; init; }
    public string? LatencyBudget { get; init; }
    public int? JpegQuality { get; init; }
    public LogLevel? LogLevel { get; init; }
    /// <summary>The bench's power sensor spec (see PowerSensors.Specs).</summary>
    public string? Power { get; init; }
    /// <summary>The bench's marker GPIO line.</summary>
    public int? MarkerPin { get; init; }

    public static readonly DaemonConfig Empty = new();
}

/// <summary>The file's shape, one nullable member per key; deserialized by the source generator only (native AOT).</summary>
public sealed class ConfigFileModel
{
    public string? Source { get; set; }
    public string? Raw { get; set; }
    public double? Fps { get; set; }
    public bool? Loop { get; set; }
    public string? Size { get; set; }
    public string? PixelFormat { get; set; }
    public string? Listen { get; set; }
    public string? AuthToken { get; set; }
    [JsonConverter(typeof(OneOrManyStrings))]
    public List<string>? Output { get; set; }
    public string? FramesSocket { get; set; }
    public int? GpioChip { get; set; }
    public int? LedPin { get; set; }
    public int? ButtonPin { get; set; }
    public string? Mode { get; set; }
    public string? Precision { get; set; }
    public string? Models { get; set; }
    public string? Reuse { get; set; }
    public double? ReuseThreshold { get; set; }
    public int? RefreshEvery { get; set; }
    [JsonConverter(typeof(NumberOrString))]
    public string? TargetFps { get; set; }
    [JsonConverter(typeof(NumberOrString))]
    public string? LatencyBudget { get; set; }
    public int? JpegQuality { get; set; }
    public string? LogLevel { get; set; }
    public string? Power { get; set; }
    public int? MarkerPin { get; set; }
}

// Disallow: a misspelt key would otherwise be ignored silently and the daemon run with a default the user
// did not mean.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false,
    ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ConfigFileModel))]
public sealed partial class ConfigJson : JsonSerializerContext;

public static partial class ConfigFile
{
    public const string DefaultPath = "/etc/classsr-edge/config.json";

    public const string ModeNames = "classsr, small, medium, large, bicubic";
    public const string PrecisionNames = "int8, fp32, auto";
    public const string LogLevelNames = "debug, info, warn, error";

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <param name="optional">A missing file gives <see cref="DaemonConfig.Empty"/> (the default path) instead of an error.</param>
    /// <exception cref="ConfigException">Unreadable, not JSON, an unknown key, a wrong type or a bad value.</exception>
    public static DaemonConfig Load(string path, bool optional = false)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (optional)
                return DaemonConfig.Empty;
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
    public static DaemonConfig Parse(string json, string name)
    {
        ConfigFileModel? m;
        try
        {
            m = JsonSerializer.Deserialize(json, ConfigJson.Default.ConfigFileModel);
        }
        catch (JsonException e)
        {
            throw new ConfigException($"{name}: {Describe(e)}");
        }
        if (m is null)
            throw new ConfigException($"{name}: the file holds null, not an object");
        try
        {
            return Check(m);
        }
        catch (ConfigException e)
        {
            throw new ConfigException($"{name}: {e.Message}");
        }
    }

    static DaemonConfig Check(ConfigFileModel m)
    {
        if (m.Fps is { } f && !(f > 0 && f <= 1000))
            throw Bad("fps", f.ToString(CultureInfo.InvariantCulture), "is not in (0, 1000]");
        if (m.JpegQuality is { } q && q is < 1 or > 100)
            throw Bad("jpeg_quality", q.ToString(CultureInfo.InvariantCulture), "is not in 1..100");
        if (m.Size is { } size)
        {
            try { V4l2CaptureRequest.ParseSize(size); }
            catch (FormatException) { throw Bad("size", Quote(size), "is not WxH (16..8192 each)"); }
        }
        if (m.PixelFormat is { } pf && V4l2CaptureRequest.ParseFormat(pf) is null)
            throw Bad("pixel_format", Quote(pf), $"is not one of {V4l2CaptureRequest.FormatNames}");
        if (m.ReuseThreshold is { } rt && EngineOptions.ReuseThresholdProblem(rt) is { } rtBad)
            throw Bad("reuse_threshold", rt.ToString(CultureInfo.InvariantCulture), rtBad);
        if (m.RefreshEvery is { } re && EngineOptions.RefreshEveryProblem(re) is { } reBad)
            throw Bad("refresh_every", re.ToString(CultureInfo.InvariantCulture), reBad);
        if (m.TargetFps is { } tf)
        {
            try { Pipeline.BudgetOptions.ParseTarget(tf); }
            catch (FormatException e) { throw Bad("target_fps", Quote(tf), e.Message); }
        }
        if (m.LatencyBudget is { } lb)
        {
            try { Pipeline.BudgetOptions.ParseBudget(lb); }
            catch (FormatException e) { throw Bad("latency_budget", Quote(lb), e.Message); }
        }
        ListenAddress? listen = null;
        if (m.Listen is { } l && l != "none")
        {
            try { listen = ListenAddress.Parse(l); }
            catch (FormatException e) { throw Bad("listen", Quote(l), e.Message.Contains(l, StringComparison.Ordinal) ? "is not ADDR:PORT or none" : e.Message); }
        }
        return new DaemonConfig
        {
            Source = NotEmpty("source", m.Source),
            Raw = NotEmpty("raw", m.Raw),
            Fps = m.Fps,
            Loop = m.Loop,
            Size = m.Size,
            PixelFormat = m.PixelFormat,
            ListenSet = m.Listen != null,
            Listen = listen,
            AuthToken = NotEmpty("auth_token", m.AuthToken),
            Outputs = m.Output is null ? null : ParseOutputs(m.Output),
            GpioChip = NotNegative("gpio_chip", m.GpioChip),
            LedPin = NotNegative("led_pin", m.LedPin),
            ButtonPin = NotNegative("button_pin", m.ButtonPin),
            FramesSocketSet = m.FramesSocket != null,
            FramesSocket = NotEmpty("frames_socket", m.FramesSocket) is "none" ? null : m.FramesSocket,
            Mode = m.Mode is null ? null : ParseMode(m.Mode) ?? throw Bad("mode", Quote(m.Mode), $"is not one of {ModeNames}"),
            Precision = m.Precision is null ? null : ParsePrecision(m.Precision) ?? throw Bad("precision", Quote(m.Precision), $"is not one of {PrecisionNames}"),
            Models = NotEmpty("models", m.Models),
            Reuse = m.Reuse switch
            {
                null => null,
                "on" => true,
                "off" => false,
                var r => throw Bad("reuse", Quote(r), "is not on or off"),
            },
            ReuseThreshold = m.ReuseThreshold,
            RefreshEvery = m.RefreshEvery,
            TargetFps = m.TargetFps,
            LatencyBudget = m.LatencyBudget,
            JpegQuality = m.JpegQuality,
            LogLevel = m.LogLevel is null ? null : ParseLogLevel(m.LogLevel) ?? throw Bad("log_level", Quote(m.LogLevel), $"is not one of {LogLevelNames}"),
            Power = NotEmpty("power", m.Power),
            MarkerPin = m.MarkerPin is { } pin && pin < 0 ? throw Bad("marker_pin", pin.ToString(CultureInfo.InvariantCulture), "is not a GPIO line number") : m.MarkerPin,
        };
    }

    static OutputSpecs ParseOutputs(List<string> outputs)
    {
        try { return OutputSpecs.Parse(outputs); }
        catch (FormatException e) { throw new ConfigException($"\"output\": {e.Message}"); }
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

    static int? NotNegative(string key, int? value) =>
        value is < 0 ? throw Bad(key, value.Value.ToString(CultureInfo.InvariantCulture), "is negative") : value;

    static string? NotEmpty(string key, string? value) =>
        value is "" ? throw Bad(key, "\"\"", "is empty (leave the key out for the default)") : value;

    static ConfigException Bad(string key, string value, string reason) => new($"\"{key}\": {value} {reason}");

    static string Quote(string s) => JsonSerializer.Serialize(s, ConfigStringJson.Default.String);

    // The serializer's messages name CLR types and JSON paths; turn them into the key and what it should hold.
    static string Describe(JsonException e)
    {
        // Two values for one key: which one a reader expects is a guess, so the file is refused.
        var duplicate = DuplicateProperty().Match(e.Message);
        if (duplicate.Success)
            return $"\"{duplicate.Groups[1].Value}\" is given twice (at line {(e.LineNumber ?? 0) + 1})";
        var unknown = UnmappedProperty().Match(e.Message);
        if (unknown.Success)
            return $"\"{unknown.Groups[1].Value}\" is not a known key (known: source, raw, fps, loop, size, pixel_format, listen, auth_token, output, frames_socket, mode, precision, models, reuse, reuse_threshold, refresh_every, target_fps, latency_budget, jpeg_quality, log_level, gpio_chip, led_pin, button_pin, power, marker_pin)";
        string? key = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
        bool wrongType = e.Message.Contains("could not be converted", StringComparison.Ordinal);
        if (wrongType && key != null && Expected(key) is { } expected)
            return $"\"{key}\" must be {expected}";
        if (wrongType && e.Path == "$")
            return "the top level must be a JSON object";
        return $"not valid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}";
    }

    static string? Expected(string key) => key switch
    {
        "fps" or "reuse_threshold" => "a number",
        "jpeg_quality" or "refresh_every" or "gpio_chip" or "led_pin" or "button_pin" or "marker_pin" => "an integer",
        "loop" => "true or false",
        "output" => "a string or a list of strings",
        "target_fps" => "a number, \"source\" or \"off\"",
        "latency_budget" => "a number of milliseconds or \"auto\"",
        "source" or "raw" or "size" or "pixel_format" or "listen" or "auth_token" or "frames_socket" or "mode" or "precision" or "models" or "log_level" or "power" or "reuse" => "a string",
        _ => null,
    };

    [GeneratedRegex(@"JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex(@"Duplicate property '([^']*)'")]
    private static partial Regex DuplicateProperty();
}

[JsonSerializable(typeof(string))]
internal sealed partial class ConfigStringJson : JsonSerializerContext;

/// <summary>A key that takes a number or a word ("target_fps": 30 or "source"): read as its text, checked by its parser.</summary>
internal sealed class NumberOrString : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Number => reader.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        _ => throw new JsonException("could not be converted"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>"output" may be one string or a list of them: one output is the common case and stays short to write.</summary>
internal sealed class OneOrManyStrings : JsonConverter<List<string>>
{
    public override List<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
            return [reader.GetString()!];
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("could not be converted");
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            list.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("could not be converted"));
        return list;
    }

    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var s in value)
            writer.WriteStringValue(s);
        writer.WriteEndArray();
    }
}
