using System.Text.RegularExpressions;
using ClassSR.Edge.Cli;
using ClassSR.Edge.Daemon.Config;
using Xunit;
using ClassSR.Edge.Tests.Cli;

namespace ClassSR.Edge.Tests.Config;

/// <summary>The options table: each option declared once, with a flag, a config key, a default and a check, reached from both bindings.</summary>
public class OptionTableTests
{
    /// <summary>A value its option must refuse, by kind: empty text, a word where a number goes, a number where a word goes.</summary>
    static string Bad(Option o) => o.Kind switch
    {
        OptionKind.Number or OptionKind.Integer => "many",
        OptionKind.NumberOrText => "plenty",
        OptionKind.Switch => "maybe",
        _ => "",
    };

    public static TheoryData<string> Keys => [.. OptionTable.All.Select(o => o.Key)];

    [Fact]
    public void Every_option_has_one_declaration_a_flag_a_key_a_default_and_help()
    {
        Assert.Equal(OptionTable.All.Count, OptionTable.All.Select(o => o.Key).Distinct().Count());
        foreach (var o in OptionTable.All)
        {
            Assert.Matches(new Regex("^[a-z0-9]+(_[a-z0-9]+)*$"), o.Key);
            Assert.Equal("--" + o.Key.Replace('_', '-'), o.Flag);
            Assert.False(string.IsNullOrWhiteSpace(o.DefaultText), o.Key);
            Assert.False(string.IsNullOrWhiteSpace(o.Help), o.Key);
            // The few that have no config key say why.
            Assert.True(o.InFile || o.Help.Contains("command line only", StringComparison.Ordinal), o.Key);
        }
        // Each command's list comes from the one table.
        Assert.All(OptionTable.Run.Concat(OptionTable.Bench).Concat(OptionTable.Engine), o => Assert.Contains(o, OptionTable.All));
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Each_option_is_checked_the_same_way_from_the_file_and_the_command_line(string key)
    {
        var o = OptionTable.All.Single(x => x.Key == key);
        if (o.InFile)
        {
            // The file: a value of the wrong shape or out of range is refused, naming the key.
            string json = o.Kind switch
            {
                OptionKind.Number or OptionKind.Integer => "\"many\"",
                OptionKind.Switch => "\"maybe\"",
                OptionKind.TextList => "[1]",
                _ => $"\"{Bad(o)}\"",
            };
            var e = Assert.Throws<ConfigException>(() => ConfigFile.Parse($"{{\"{key}\": {json}}}", "c"));
            Assert.StartsWith($"c: \"{key}\"", e.Message);
        }
        if (o.Kind != OptionKind.Switch)
        {
            // The command line: the same check, naming the flag.
            var e = Assert.Throws<UsageException>(() => new Args([o.Flag, Bad(o)], Args.Switches()).Bind([o]));
            Assert.StartsWith(o.Flag, e.Message);
        }
    }

    [Fact]
    public void An_unknown_key_lists_every_key_of_the_table()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigFile.Parse("""{"jpeg_qualty": 90}""", "c"));
        foreach (var o in OptionTable.FileKeys)
            Assert.Contains(o.Key, e.Message);
        Assert.DoesNotContain("config,", e.Message);
    }

    [Fact]
    public void A_reload_names_what_needs_a_restart_from_the_table()
    {
        var running = ConfigFile.Parse("""{"listen": "127.0.0.1:8081", "mode": "large", "jpeg_quality": 70}""", "c");
        var next = ConfigFile.Parse("""{"listen": "127.0.0.1:9090", "mode": "small", "jpeg_quality": 90}""", "c");
        Assert.Equal(["listen", "jpeg_quality"], OptionTable.NeedingRestart(running, next).Select(o => o.Key));
        Assert.Empty(OptionTable.NeedingRestart(running, running));
        // A value the file now leaves to its default is a change too; one set to its default is none.
        Assert.Equal(["listen", "jpeg_quality"], OptionTable.NeedingRestart(running, OptionValues.Empty).Select(o => o.Key));
        Assert.Empty(OptionTable.NeedingRestart(ConfigFile.Parse("""{"jpeg_quality": 80}""", "c"), OptionValues.Empty));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("bench")]
    [InlineData("upscale")]
    public void Help_lists_each_option_of_the_command_with_its_default_and_key(string command)
    {
        var r = CliRunner.Jit(command, "--help");
        Assert.Equal(0, r.ExitCode);
        var options = command switch { "run" => OptionTable.Run, "bench" => OptionTable.Bench, _ => OptionTable.Engine };
        foreach (var o in options)
        {
            var line = Assert.Single(r.Stdout.Split('\n'), l => l.TrimStart().StartsWith(o.Flag + " ", StringComparison.Ordinal) || l.Trim() == o.Flag
                || l.TrimStart().StartsWith(o.Flag + "  ", StringComparison.Ordinal));
            Assert.Contains("default " + o.DefaultText, line);
            if (o.InFile)
                Assert.Contains($"config \"{o.Key}\"", line);
        }
    }
}
