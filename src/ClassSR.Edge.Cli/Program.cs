using ClassSR.Edge.Inference;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Models;
using Microsoft.ML.OnnxRuntime;

namespace ClassSR.Edge.Cli
{
    public static class Cli
    {
        const string Usage = """
            classsr-edge: ClassSR x4 super-resolution for small boards

              classsr-edge upscale IN OUT [--mode classsr|small|medium|large|bicubic] [--precision int8|fp32|auto]
                                          [--models DIR] [--class-map FILE] [--threads N] [--cost-model measured|macs]
              classsr-edge eval --hr DIR [--lr DIR] [--mode ...] [--precision ...] [--json FILE] [--models DIR]
              classsr-edge info [--models DIR]
              classsr-edge run [--source synthetic|y4m:PATH|raw:PATH|v4l2:DEVICE] [--raw WxH:i420|nv12|yuyv] [--fps N] [--loop]
                               [--size WxH] [--pixel-format yuyv|nv12|mjpeg]
                               [--listen ADDR:PORT|none] [--auth-token T] [--output y4m:-|fb:/dev/fbN|v4l2:DEVICE|none]...
                               [--jpeg-quality Q] [--frames-socket PATH|none] [--led-pin N] [--button-pin N] [--gpio-chip N]
                               [--mode ...] [--precision ...] [--models DIR] [--seconds N] [--log-level L] [--config FILE]
              classsr-edge check-config FILE
            """;

        public static int Main(string[] argv)
        {
            OrtHost.UsePackagedLibrary();
            if (argv.Length == 0 || argv[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return argv.Length == 0 ? 2 : 0;
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
