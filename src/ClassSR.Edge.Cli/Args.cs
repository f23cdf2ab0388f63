using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Models;

namespace ClassSR.Edge.Cli;

/// <summary>A usage error: printed as one line with the command's usage.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Positional arguments and --name value options, with the parsers the commands share.</summary>
public sealed class Args
{
    readonly List<string> _positional = [];
    readonly Dictionary<string, string?> _options = [];
    // Every value in order, for options that may be repeated (--output); Get keeps the last one.
    readonly Dictionary<string, List<string>> _repeated = [];
    readonly HashSet<string> _used = [];
    readonly HashSet<string> _valueMissing = [];

    static bool IsOption(string a) => a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2;

    public Args(ReadOnlySpan<string> argv, IReadOnlySet<string> flags)
    {
        for (int i = 0; i < argv.Length; i++)
        {
            string a = argv[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                int eq = name.IndexOf('=');
                if (eq >= 0)
                    Set(name[..eq], name[(eq + 1)..]);
                else if (flags.Contains(name))
                    _options[name] = null;
                else if (i + 1 < argv.Length && !IsOption(argv[i + 1]))
                    Set(name, argv[++i]);
                else
                    // Not taken as the next option's name: "--bogus --seconds 1" must name --bogus, not the stray 1.
                    _valueMissing.Add(name);
            }
            else
                _positional.Add(a);
        }
    }

    void Set(string name, string value)
    {
        _options[name] = value;
        if (!_repeated.TryGetValue(name, out var all))
            _repeated[name] = all = [];
        all.Add(value);
    }

    public IReadOnlyList<string> Positional => _positional;

    /// <summary>Every value given for a repeatable option, in order; empty when it was not given.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        _used.Add(name);
        if (_valueMissing.Contains(name))
            throw new UsageException($"option --{name} needs a value");
        return _repeated.TryGetValue(name, out var all) ? all : [];
    }

    public string? Get(string name)
    {
        _used.Add(name);
        if (_valueMissing.Contains(name))
            throw new UsageException($"option --{name} needs a value");
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    public int Int(string name, int fallback)
    {
        string? v = Get(name);
        if (v is null) return fallback;
        return int.TryParse(v, out int n) ? n : throw new UsageException($"--{name}: '{v}' is not an integer");
    }

    public double Double(string name, double fallback)
    {
        string? v = Get(name);
        if (v is null) return fallback;
        // Float, not the default Any: "1,5" is not fifteen.
        return double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double n)
            ? n : throw new UsageException($"--{name}: '{v}' is not a number");
    }

    /// <summary>Fails on options nobody asked for, so a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        foreach (var k in _options.Keys.Concat(_valueMissing))
            if (!_used.Contains(k))
                throw new UsageException($"unknown option --{k}");
    }

    /// <summary>Names that take no value on any command (--loop, --no-promote): from the options table, plus a command's own.</summary>
    public static HashSet<string> Switches(params string[] own) =>
        [.. OptionTable.All.Where(o => o.Kind == OptionKind.Switch).Select(o => o.Flag[2..]), .. own];

    /// <summary>Reads <paramref name="options"/> from the command line through the table; each is consumed.</summary>
    /// <exception cref="UsageException">A value its option refuses, named with the flag.</exception>
    public OptionValues Bind(IEnumerable<Option> options)
    {
        try
        {
            return OptionValues.FromCommandLine(options, o => o.Kind == OptionKind.Switch ? (Flag(o.Flag[2..]) ? ["true"] : null) : GetAll(o.Flag[2..]));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    public ModelSet Models(OptionValues values) => ModelSet.Load(OptionTable.ModelsDirectory(values));
}
