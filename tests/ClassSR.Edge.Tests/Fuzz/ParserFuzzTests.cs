using System.Diagnostics;
using System.Text;
using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;
using ClassSR.Edge.Tests.Daemon;
using ClassSR.Edge.Tests.Imaging;
using Xunit;
using Xunit.Abstractions;

namespace ClassSR.Edge.Tests.Fuzz;

/// <summary>
/// Deterministic mutation fuzzing of the parsers that read outside input: every input either parses or gets the
/// parser's own error type with a message; nothing else escapes, and no input takes long. The budget per parser is
/// small in the test command; CLASSSR_FUZZ_ITERATIONS (./build.sh fuzz N) raises it.
/// </summary>
public class ParserFuzzTests(ITestOutputHelper output)
{
    static int Iterations(int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable("CLASSSR_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : fallback;

    // A bound that tells a hang from a slow decode on a shared machine (a 16-megapixel image of noise takes ~1 s).
    static readonly TimeSpan PerInput = TimeSpan.FromSeconds(5);

    /// <summary>1 to 4 edits of a seed: bit flips, boundary bytes, inserted and deleted runs, truncation, duplication.</summary>
    static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = new List<byte>(seed);
        int edits = rng.Next(1, 5);
        ReadOnlySpan<byte> special = [0, 1, 0x7f, 0x80, 0xff, (byte)' ', (byte)'\n', (byte)'0', (byte)'9', (byte)'-', (byte)':', (byte)'"', (byte)'{'];
        for (int e = 0; e < edits; e++)
        {
            int at = b.Count == 0 ? 0 : rng.Next(b.Count);
            switch (rng.Next(7))
            {
                case 0 when b.Count > 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when b.Count > 0: b[at] = special[rng.Next(special.Length)]; break;
                case 2: b.InsertRange(at, Enumerable.Range(0, rng.Next(1, 9)).Select(_ => (byte)rng.Next(256))); break;
                case 3 when b.Count > 0: b.RemoveRange(at, Math.Min(b.Count - at, rng.Next(1, 17))); break;
                case 4: b.RemoveRange(at, b.Count - at); break;
                case 5 when b.Count > 0:
                    int len = Math.Min(b.Count - at, rng.Next(1, 33));
                    b.InsertRange(rng.Next(b.Count), b.GetRange(at, len));
                    break;
                default: if (b.Count > 0) b[at] = (byte)rng.Next(256); break;
            }
        }
        return [.. b];
    }

    /// <summary>Runs <paramref name="parse"/> on mutants of the seeds; <paramref name="expected"/> says which exceptions are the parser's own.</summary>
    void Fuzz(string name, byte[][] seeds, int iterations, Action<byte[]> parse, Func<Exception, bool> expected)
    {
        // Seeded from the name with a fixed hash (string.GetHashCode differs per process): the same inputs every run.
        var rng = new Random(name.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0x7fffffff);
        int ok = 0, refused = 0;
        foreach (var seed in seeds)
            parse(seed); // the seeds themselves are valid
        for (int i = 0; i < iterations; i++)
        {
            var input = Mutate(seeds[rng.Next(seeds.Length)], rng);
            var sw = Stopwatch.StartNew();
            try
            {
                parse(input);
                ok++;
            }
            catch (Exception e) when (expected(e))
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{name}: an error without a message");
                Assert.DoesNotContain(e.Message, c => c == '\0');
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{name}: input {i} ({Convert.ToHexString(input[..Math.Min(input.Length, 64)])}...) threw {e.GetType().Name}: {e.Message}");
            }
            if (sw.Elapsed >= PerInput)
                File.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"classsr-fuzz-slow-{name.Replace(' ', '-')}-{i}"), input);
            Assert.True(sw.Elapsed < PerInput, $"{name}: input {i} took {sw.Elapsed} (saved in the temp folder)");
        }
        output.WriteLine($"fuzz {name}: {iterations} inputs, {ok} parsed, {refused} refused with the parser's error, 0 unexpected");
    }

    [Fact]
    public void Y4m_headers()
    {
        byte[][] seeds = [.. new[]
        {
            "YUV4MPEG2 W64 H48 F30:1 Ip A1:1 C420jpeg XYSCSS=420JPEG XCOLORRANGE=LIMITED",
            "YUV4MPEG2 W320 H240 F1000000:66667 Ip A0:0 C420jpeg XCOLORRANGE=FULL",
            "YUV4MPEG2 W17 H9 F25:1 C422",
        }.Select(Encoding.ASCII.GetBytes)];
        Fuzz("y4m header", seeds, Iterations(3000), b => Y4mHeader.Parse(Encoding.Latin1.GetString(b)), e => e is FrameFormatException);
    }

    [Fact]
    public void Y4m_streams()
    {
        string dir = TestImages.TemporaryDirectory();
        var picture = TestImages.SyntheticFrame(32, 24);
        string seedPath = new Y4mFile(32, 24, "30:1").Frame(picture).Frame(40).Frame(picture).Save(dir, "seed.y4m");
        string path = Path.Combine(dir, "fuzz.y4m");
        Fuzz("y4m stream", [File.ReadAllBytes(seedPath)], Iterations(600), b =>
        {
            File.WriteAllBytes(path, b);
            using var y4m = new Y4mSource(path, loop: false, fps: 1000);
            y4m.Open();
            var frame = new YuvFrame(y4m.Width, y4m.Height);
            for (int n = 0; n < 16 && y4m.Read(frame, out _, CancellationToken.None); n++) { }
        }, e => e is IOException);
    }

    [Fact]
    public void Raw_frame_specs_listen_addresses_and_sizes()
    {
        byte[][] raw = [.. new[] { "640x480:i420", "1x1:nv12", "320x240:yuyv" }.Select(Encoding.ASCII.GetBytes)];
        Fuzz("raw spec", raw, Iterations(3000), b => RawFormat.Parse(Encoding.Latin1.GetString(b)), e => e is FormatException);
        byte[][] listen = [.. new[] { "127.0.0.1:8080", "[::1]:0", "*:80", "localhost:65535", "[::ffff:127.0.0.1]:1" }.Select(Encoding.ASCII.GetBytes)];
        Fuzz("listen", listen, Iterations(3000), b => ListenAddress.Parse(Encoding.Latin1.GetString(b)), e => e is FormatException);
    }

    [Fact]
    public void Config_files()
    {
        byte[][] seeds = [.. new[]
        {
            """{"source": "y4m:/srv/cam.y4m", "fps": 12.5, "loop": true, "listen": "0.0.0.0:9000", "auth_token": "s", "output": ["y4m:-", "fb:/dev/fb0"], "mode": "classsr", "precision": "auto", "jpeg_quality": 70, "reuse": "on", "reuse_threshold": 3, "refresh_every": 30, "log_level": "warn", "led_pin": 17}""",
            "// comment\n{\"size\": \"640x480\", \"pixel_format\": \"mjpeg\", \"frames_socket\": \"none\",}",
        }.Select(Encoding.UTF8.GetBytes)];
        Fuzz("config", seeds, Iterations(3000), b => ConfigFile.Parse(Encoding.UTF8.GetString(b), "config.json"), e => e is ConfigException);
    }

    [Fact]
    public void Image_files_and_camera_jpegs()
    {
        string dir = TestImages.TemporaryDirectory();
        const int w = 24, h = 16;
        var rgb = TestImages.Synthetic(w, h);
        ImageFile.Save(Path.Combine(dir, "s.png"), rgb, w, h);
        ImageFile.Save(Path.Combine(dir, "s.jpg"), rgb, w, h, 80);
        byte[][] files = [File.ReadAllBytes(Path.Combine(dir, "s.png")), File.ReadAllBytes(Path.Combine(dir, "s.jpg"))];
        string path = Path.Combine(dir, "fuzz.img");
        Fuzz("image file", files, Iterations(600), b =>
        {
            File.WriteAllBytes(path, b);
            ImageFile.Load(path);
        }, e => e is ImageFormatException);

        // MJPEG frames as a camera delivers them, into a frame of the size the camera was set to.
        using var decoder = new JpegDecoder();
        var frame = new YuvFrame(w, h);
        var jpeg = new JpegEncoder();
        var yuv = TestImages.SyntheticFrame(w, h);
        jpeg.EncodeI420(yuv, 80);
        Fuzz("mjpeg frame", [jpeg.Encoded.ToArray()], Iterations(3000), b => decoder.DecodeI420(b, frame),
            e => e is ImageFormatException || e is ArgumentException { ParamName: "destination" });
        jpeg.Dispose();
    }
}
