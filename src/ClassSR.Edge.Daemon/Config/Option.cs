using System.Globalization;
using System.Text.Json;

namespace ClassSR.Edge.Daemon.Config;

/// <summary>What a SIGHUP does with a changed value.</summary>
public enum Reload
{
    /// <summary>Applied between two frames.</summary>
    Live,
    /// <summary>Shapes something set up at start (a socket, a device, a thread): logged as needing a restart.</summary>
    Restart,
}

/// <summary>How a value is written: in the file (its JSON type) and in messages.</summary>
public enum OptionKind
{
    /// <summary>A string; messages quote it.</summary>
    Text,
    Number,
    Integer,
    /// <summary>A flag without a value on the command line; true or false in the file.</summary>
    Switch,
    /// <summary>A number or a word ("target_fps": 30 or "source"); the file's number is read as its text.</summary>
    NumberOrText,
    /// <summary>Repeatable on the command line; a string or a list of strings in the file.</summary>
    TextList,
}

/// <summary>
/// One option, declared once: its config key and flag, default, help, the check of its value, and what a reload does
/// with it. The command line and the configuration file both read values through it (<see cref="OptionValues"/>).
/// </summary>
public abstract class Option
{
    protected Option(string key, OptionKind kind, string value, string help, Reload reload, bool inFile)
    {
        Key = key;
        Kind = kind;
        Value = value;
        Help = help;
        Reload = reload;
        InFile = inFile;
    }

    /// <summary>The configuration file's key (snake_case); the flag is the same words joined by '-'.</summary>
    public string Key { get; }
    public string Flag => "--" + Key.Replace('_', '-');
    public OptionKind Kind { get; }
    /// <summary>What the value looks like, for help: "Q", "N|source|off".</summary>
    public string Value { get; }
    public string Help { get; }
    public Reload Reload { get; }
    /// <summary>False for the few that only make sense on a command line (--config itself); the help says why.</summary>
    public bool InFile { get; }

    /// <summary>The default as help shows it.</summary>
    public abstract string DefaultText { get; }
    internal abstract object? DefaultObject { get; }

    /// <summary>Reads every value given for the option (the last wins, or all for a list) and checks it.</summary>
    /// <exception cref="FormatException">The reason, to follow the option's name and value.</exception>
    internal abstract object? Parse(IReadOnlyList<string> given);

    /// <summary>How the command line names a bad value: words quoted, numbers as they are.</summary>
    internal string CliError(string given, string reason) => Kind switch
    {
        OptionKind.Text => $"{Flag}: '{given}' {reason}",
        OptionKind.TextList => $"{Flag}: {reason}",
        _ => $"{Flag} {given} {reason}",
    };

    /// <summary>What the file must hold for this key, when it holds something else.</summary>
    internal string Expected => Kind switch
    {
        OptionKind.Number => "a number",
        OptionKind.Integer => "an integer",
        OptionKind.Switch => "true or false",
        OptionKind.TextList => "a string or a list of strings",
        OptionKind.NumberOrText => Value.Contains("MS", StringComparison.Ordinal) ? "a number of milliseconds or \"auto\""
            : $"a number, {string.Join(" or ", Value.Split('|').Skip(1).Select(w => $"\"{w}\""))}",
        _ => "a string",
    };

    public override string ToString() => Flag;
}

/// <summary>An option whose checked value is a <typeparamref name="T"/>.</summary>
public sealed class Option<T> : Option
{
    readonly Func<string, T> _parse;
    readonly Func<IReadOnlyList<string>, T>? _parseAll;
    readonly string? _defaultText;

    /// <param name="parse">Checks one value; throws FormatException with the reason ("is not in 1..100").</param>
    /// <param name="parseAll">For lists: checks them together.</param>
    public Option(string key, OptionKind kind, T @default, string value, string help, Reload reload, Func<string, T> parse,
        Func<IReadOnlyList<string>, T>? parseAll = null, string? defaultText = null, bool inFile = true)
        : base(key, kind, value, help, reload, inFile)
    {
        Default = @default;
        _parse = parse;
        _parseAll = parseAll;
        _defaultText = defaultText;
    }

    public T Default { get; }

    public override string DefaultText => _defaultText ?? Default switch
    {
        null => "none",
        bool b => b ? "on" : "off",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var d => d.ToString()!.ToLowerInvariant(),
    };

    internal override object? DefaultObject => Default;

    internal override object? Parse(IReadOnlyList<string> given) => _parseAll is { } all ? all(given) : _parse(given[^1]);
}

/// <summary>
/// Values given for options, from the configuration file or the command line, each checked by its option; an option not
/// given reads as its default. A command line is laid over a file with <see cref="Over"/>.
/// </summary>
public sealed class OptionValues
{
    readonly Dictionary<Option, object?> _given = [];

    public static readonly OptionValues Empty = new();

    public bool IsSet(Option option) => _given.ContainsKey(option);

    public T Get<T>(Option<T> option) => _given.TryGetValue(option, out var v) ? (T)v! : option.Default;

    internal void Set(Option option, object? value) => _given[option] = value;

    /// <summary>These values, and <paramref name="lower"/>'s where these say nothing.</summary>
    public OptionValues Over(OptionValues lower)
    {
        var merged = new OptionValues();
        foreach (var (o, v) in lower._given)
            merged._given[o] = v;
        foreach (var (o, v) in _given)
            merged._given[o] = v;
        return merged;
    }

    /// <summary>These values, except that <paramref name="options"/> are as <paramref name="from"/> has them.</summary>
    public OptionValues Keep(OptionValues from, IEnumerable<Option> options)
    {
        var kept = Over(Empty);
        foreach (var o in options)
        {
            if (from._given.TryGetValue(o, out var v))
                kept._given[o] = v;
            else
                kept._given.Remove(o);
        }
        return kept;
    }

    /// <summary>The options among <paramref name="options"/> whose values differ between the two.</summary>
    public IEnumerable<Option> Changed(OptionValues other, IEnumerable<Option> options) =>
        options.Where(o => !Same(Value(o), other.Value(o)));

    object? Value(Option o) => _given.TryGetValue(o, out var v) ? v : o.DefaultObject;

    static bool Same(object? a, object? b) => a switch
    {
        float[] x => b is float[] y && x.AsSpan().SequenceEqual(y),
        OutputSpecs x => b is OutputSpecs y && x.Y4mToStdout == y.Y4mToStdout && x.Framebuffer == y.Framebuffer && x.V4l2.SequenceEqual(y.V4l2),
        _ => Equals(a, b),
    };

    /// <summary>Reads the command line's values for <paramref name="options"/>: <paramref name="given"/> yields each one's values in order.</summary>
    /// <exception cref="FormatException">One line naming the flag, the value and the reason.</exception>
    public static OptionValues FromCommandLine(IEnumerable<Option> options, Func<Option, IReadOnlyList<string>?> given)
    {
        var values = new OptionValues();
        foreach (var o in options)
        {
            if (given(o) is not { Count: > 0 } texts)
                continue;
            try
            {
                values.Set(o, o.Parse(texts));
            }
            catch (FormatException e)
            {
                throw new FormatException(o.CliError(texts[^1], e.Message));
            }
        }
        return values;
    }

    /// <summary>Reads a configuration file's top-level object against <paramref name="options"/>.</summary>
    /// <exception cref="ConfigException">An unknown key, a wrong type or a bad value, in one line without the file's name.</exception>
    public static OptionValues FromJson(IReadOnlyDictionary<string, JsonElement> file, IReadOnlyList<Option> options)
    {
        var values = new OptionValues();
        foreach (var (key, element) in file)
        {
            var o = options.FirstOrDefault(x => x.InFile && x.Key == key)
                ?? throw new ConfigException($"\"{key}\" is not a known key (known: {string.Join(", ", options.Where(x => x.InFile).Select(x => x.Key))})");
            var texts = Texts(o, element) ?? throw new ConfigException($"\"{key}\" must be {o.Expected}");
            try
            {
                values.Set(o, o.Parse(texts));
            }
            catch (FormatException e)
            {
                // A list's reasons name the item already; a single value is shown as the file has it (a number or a quoted string).
                throw new ConfigException(o.Kind == OptionKind.TextList ? $"\"{key}\": {e.Message}" : $"\"{key}\": {element.GetRawText()} {e.Message}");
            }
        }
        return values;
    }

    /// <summary>The element as the texts the option parses; null when its JSON type is wrong.</summary>
    static IReadOnlyList<string>? Texts(Option o, JsonElement e) => (o.Kind, e.ValueKind) switch
    {
        (OptionKind.Text, JsonValueKind.String) => [e.GetString()!],
        (OptionKind.Number, JsonValueKind.Number) => [e.GetRawText()],
        (OptionKind.Integer, JsonValueKind.Number) when e.TryGetInt64(out _) => [e.GetRawText()],
        (OptionKind.Switch, JsonValueKind.True) => ["true"],
        (OptionKind.Switch, JsonValueKind.False) => ["false"],
        (OptionKind.NumberOrText, JsonValueKind.String) => [e.GetString()!],
        (OptionKind.NumberOrText, JsonValueKind.Number) => [e.GetDouble().ToString("R", CultureInfo.InvariantCulture)],
        (OptionKind.TextList, JsonValueKind.String) => [e.GetString()!],
        (OptionKind.TextList, JsonValueKind.Array) when e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) =>
            [.. e.EnumerateArray().Select(x => x.GetString()!)],
        _ => null,
    };
}
