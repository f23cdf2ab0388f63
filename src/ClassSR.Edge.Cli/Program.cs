using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.Inference;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;
using Microsoft.ML.OnnxRuntime;

namespace ClassSR.Edge.Cli
{
    public static class Cli
    {
        const string Usage = """
            classsr-edge: ClassSR super-resolution (x4, or x2 with --scale 2) for small boards

              classsr-edge upscale IN OUT [--mode classsr|small|medium|large|bicubic] [--precision int8|fp32|auto]
                                          [--models DIR] [--class-map FILE] [--threads N] [--cost-model measured|macs]
              classsr-edge eval --hr DIR [--lr DIR] [--degrade none|jpeg:Q|noise:S] [--mode ...] [--precision ...] [--json FILE] [--models DIR]
              classsr-edge info [--models DIR]
              classsr-edge run [--source synthetic|y4m:PATH|raw:PATH|v4l2:DEVICE] [--raw WxH:i420|nv12|yuyv] [--fps N] [--loop]
                               [--size WxH] [--pixel-format yuyv|nv12|mjpeg]
                               [--listen ADDR:PORT|none] [--auth-token T] [--output y4m:-|fb:/dev/fbN|v4l2:DEVICE|none]...
                               [--jpeg-quality Q] [--frames-socket PATH|none] [--led-pin N] [--button-pin N] [--gpio-chip N]
                               [--mode ...] [--precision ...] [--models DIR] [--seconds N] [--log-level L] [--config FILE]
                               [--reuse on|off] [--reuse-threshold T] [--refresh-every N]
                               [--target-fps N|source|off] [--latency-budget MS|auto]
              classsr-edge check-config FILE
              classsr-edge bench [--source y4m:PATH|PATH.y4m|DIR|synthetic|raw:PATH] [--hr] [--seconds 5] [--warmup 1] [--idle 2]
                                 [--modes bicubic,small,medium,large-fp32,large-int8,classsr-fp32,classsr-int8,classsr-auto]
                                 [--power auto|none|ina219:BUS:ADDR:OHMS:AMPS|ina226:...|ina3221-hwmon|ina3221-iio|pi5-pmic|rapl|power-supply]
                                 [--power-rate HZ] [--marker-pin N|none] [--sysfs-root DIR] [--quality-frames N] [--max-frames N]
                                 [--out DIR] [--models DIR] [--threads N] [--config FILE]
                                 [--reuse on|off] [--reuse-threshold T] [--refresh-every N]
                                 [--paced] [--load START-END] [--target-fps N|source|off] [--latency-budget MS|auto]
              classsr-edge bench --compare A.json B.json
            """;

        /// <summary>The usage lines of one command (each of its forms with their continuation lines); null for an unknown one.</summary>
        public static string? UsageOf(string command)
        {
            var lines = Usage.Split('\n');
            var picked = new List<string>();
            bool inside = false;
            foreach (var line in lines)
            {
                string t = line.TrimStart();
                if (t.StartsWith("classsr-edge ", StringComparison.Ordinal))
                    inside = t.StartsWith($"classsr-edge {command} ", StringComparison.Ordinal) || t == $"classsr-edge {command}";
                else if (t.Length == 0)
                    inside = false;
                if (inside)
                    picked.Add(line);
            }
            if (picked.Count == 0)
                return null;
            // The options that come from the table are listed from it: flag, default, config key, reload.
            var table = command switch
            {
                "run" => OptionTable.Run,
                "bench" => OptionTable.Bench,
                "upscale" or "eval" => OptionTable.Engine,
                _ => null,
            };
            return string.Join('\n', picked) + (table is null ? "\n" : "\n\noptions:\n" + OptionTable.Help(table));
        }

        public static int Main(string[] argv)
        {
            OrtHost.UsePackagedLibrary();
            if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return argv.Length == 0 ? 2 : 0;
            }
            // `classsr-edge bench --help`: that command's part of the usage. No option takes "--help" as its value.
            if (argv.Length > 1 && argv.AsSpan(1).IndexOfAny("-h", "--help") >= 0 && UsageOf(argv[0]) is { } usage)
            {
                Console.WriteLine(usage);
                return 0;
            }
            try
            {
                var rest = argv.AsSpan(1);
                return argv[0] switch
                {
                    "upscale" => UpscaleCommand.Run(rest),
                    "eval" => EvalCommand.Run(rest),
                    "info" => InfoCommand.Run(rest),
                    "run" => RunCommand.Run(rest),
                    "check-config" => CheckConfigCommand.Run(rest),
                    "bench" => BenchCommand.Run(rest),
                    _ => throw new UsageException($"unknown command '{argv[0]}'"),
                };
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"classsr-edge: {e.Message} (see classsr-edge --help)");
                return 2;
            }
            catch (Exception e) when (e is ModelException or ImageFormatException or IOException
                or UnauthorizedAccessException or ArgumentException or OnnxRuntimeException)
            {
                Console.Error.WriteLine($"classsr-edge: {e.Message}");
                return 1;
            }
        }
    }
}
