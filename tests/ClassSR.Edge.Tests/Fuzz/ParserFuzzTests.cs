using ClassSR.Edge.Daemon.Control;
using System.Diagnostics;
using System.Text;
using ClassSR.Edge.Daemon.Config;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;
using Xunit;
using Xunit.Abstractions;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sinks;
using ClassSR.Edge.Tests.Sources;

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
    void Fuzz(string name, byte[][] seeds, int iterations, Action<byte[]> parse, Func<Exception, bool> expected) =>
        Fuzz(name, seeds, iterations, workers: 1, parse, expected);

    /// <summary>
    /// The same on <paramref name="workers"/> threads at once, for parsers whose inputs mostly wait (a request over a
    /// socket). The inputs are still made in order from one generator, so input i is the same every run.
    /// </summary>
    void Fuzz(string name, byte[][] seeds, int iterations, int workers, Action<byte[]> parse, Func<Exception, bool> expected)
    {
        // Seeded from the name with a fixed hash (string.GetHashCode differs per process): the same inputs every run.
        var rng = new Random(name.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0x7fffffff);
        int ok = 0, refused = 0, next = 0;
        retimed = 0;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var gate = new Lock();
        foreach (var seed in seeds)
            parse(seed); // the seeds themselves are valid

        void Work()
        {
            while (true)
            {
                int i;
                byte[] input;
                lock (gate)
                {
                    if (next >= iterations || failure != null)
                        return;
                    i = next++;
                    input = Mutate(seeds[rng.Next(seeds.Length)], rng);
                }
                try
                {
                    if (Try(name, i, input, parse, expected))
                        Interlocked.Increment(ref ok);
                    else
                        Interlocked.Increment(ref refused);
                }
                catch (Exception e)
                {
                    lock (gate)
                        failure ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
                    return;
                }
            }
        }

        if (workers == 1)
            Work();
        else
        {
            // Threads of their own: blocking the thread pool's would starve the server under test.
            var threads = Enumerable.Range(0, workers).Select(_ => new Thread(Work) { IsBackground = true }).ToArray();
            foreach (var t in threads)
                t.Start();
            foreach (var t in threads)
                t.Join();
        }
        failure?.Throw();
        string slowOnce = retimed > 0 ? $", {retimed} slow once and quick when timed again (the host, not the input)" : "";
        output.WriteLine($"fuzz {name}: {iterations} inputs, {ok} parsed, {refused} refused with the parser's error, 0 unexpected{slowOnce}");
    }

    /// <summary>Inputs of the current <see cref="Fuzz"/> run that were slow once and quick the second time.</summary>
    int retimed;

    /// <summary>
    /// One input: true when it parsed, false when the parser refused it with its own error; anything else fails.
    /// An input over <see cref="PerInput"/> is timed once more: a hang or a slow path repeats, a stall of this shared
    /// host (seen once in a million: a 466-byte PNG at 5.4 s that decodes in milliseconds) does not.
    /// </summary>
    bool Try(string name, int i, byte[] input, Action<byte[]> parse, Func<Exception, bool> expected)
    {
        var first = Once(name, i, input, parse, expected, out bool parsed);
        if (first < PerInput)
            return parsed;
        var again = Once(name, i, input, parse, expected, out parsed);
        if (again >= PerInput)
            File.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"classsr-fuzz-slow-{name.Replace(' ', '-')}-{i}"), input);
        Assert.True(again < PerInput, $"{name}: input {i} took {first} and {again} (saved in the temp folder)");
        Interlocked.Increment(ref retimed);
        return parsed;
    }

    static TimeSpan Once(string name, int i, byte[] input, Action<byte[]> parse, Func<Exception, bool> expected, out bool parsed)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            parse(input);
            parsed = true;
        }
        catch (Exception e) when (expected(e))
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{name}: an error without a message");
            Assert.DoesNotContain(e.Message, c => c == '\0');
            parsed = false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: input {i} ({Convert.ToHexString(input[..Math.Min(input.Length, 64)])}...) threw {e.GetType().Name}: {e.Message}");
            throw;
        }
        return sw.Elapsed;
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
            // Paced at a rate that never waits: the pacer's own test is elsewhere, and a million inputs must not sleep.
            using var y4m = new Y4mSource(path, loop: false, fps: 1e9);
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

    /// <summary>Requests in flight at once in the socket fuzzers: within the server's 64 connections.</summary>
    const int HttpWorkers = 32;

    /// <summary>An HTTP refusal (4xx, 501, 505): the server's own answer to a bad request.</summary>
    sealed class HttpRefused(string message) : Exception(message);

    [Fact]
    public async Task Http_request_targets_query_values_and_headers()
    {
        // The whole daemon's HTTP side: a pipeline on a still source, the server with a token.
        await using var served = await ClassSR.Edge.Tests.Sinks.ServedPipeline.StartAsync(
            new ClassSR.Edge.Tests.Sinks.UnpluggableSource(still: true), token: "SECRET", quality: 70);
        {
            var url = served.Url;
            string[] targets =
            [
                "/snapshot?view=bicubic&token=SECRET", "/?action=snapshot&token=SECRET", "/state?token=SECRET", "/classes?token=SECRET",
                "/metrics?token=SECRET", "/stream?view=classsr&token=SECRET", "/?action=stream&view=bicubic&token=SECRET", "/?token=SECRET",
            ];
            // The request line and headers; Status ends the header block, so a mutant is a whole request (valid or not)
            // and never leaves the server waiting for the rest of one.
            byte[][] seeds = [.. targets.Select(t => Encoding.ASCII.GetBytes($"GET {t} HTTP/1.1\r\nHost: {url.Authority}")),
                Encoding.ASCII.GetBytes($"GET /state HTTP/1.1\r\nHost: {url.Authority}\r\nAuthorization: Bearer SECRET")];
            Poll.Until(() => Status(url, seeds[0]) == 200, "the first frame");
            // Most inputs wait (a snapshot for the next frame, a refusal for the server's timeout): many at once, within
            // the server's connection limit, so a million take minutes rather than hours.
            Fuzz("http request", seeds, Iterations(1500), HttpWorkers, b =>
            {
                // 500 is an exception that escaped a handler. 503 is an answer: no bicubic frame yet, or a limit reached.
                int status = Judged(url, b);
                if (status == 500 || status > 505)
                    throw new InvalidOperationException($"HTTP {status}");
                if (status is >= 400 and < 500 or 501 or 505)
                    throw new HttpRefused($"HTTP {status}");
            }, e => e is HttpRefused);
            // Query values as the handlers see them: mutated bytes percent-encoded into a well-formed request line.
            byte[][] queries = [.. new[] { "view=bicubic&token=SECRET", "action=stream&view=classsr&token=SECRET", "action=snapshot&token=SECRET&view=" }
                .Select(q => Encoding.ASCII.GetBytes(q))];
            string[] paths = ["/snapshot", "/", "/stream", "/state", "/classes"];
            Fuzz("http query", queries, Iterations(1500), HttpWorkers, b =>
            {
                var q = new StringBuilder();
                foreach (byte c in b)
                    q.Append(char.IsAsciiLetterOrDigit((char)c) || c is (byte)'=' or (byte)'&' or (byte)'-' or (byte)'_' ? ((char)c).ToString() : $"%{c:X2}");
                // The path from the input itself, so input i meets the same handler whichever thread runs it.
                string request = $"GET {paths[(b.Aggregate(0, (h, c) => unchecked(h * 31 + c)) & 0x7fffffff) % paths.Length]}?{q} HTTP/1.1\r\nHost: {url.Authority}";
                int status = Judged(url, Encoding.ASCII.GetBytes(request));
                if (status == 500 || status > 505)
                    throw new InvalidOperationException($"HTTP {status}");
                if (status is >= 400 and < 500)
                    throw new HttpRefused($"HTTP {status}");
            }, e => e is HttpRefused);
            // Still serving after all of it.
            Assert.Equal(200, Status(url, seeds[2]));
            output.WriteLine($"http: {served.Server.Refused} connections refused at the server's limit (and asked again), " +
                $"{closedBeforeSent} of them closed before the request was written");
        }
    }

    [Fact]
    public async Task Http_query_values_in_process()
    {
        // The same handlers without a socket: the control server's request handling called with each request's path
        // and query, as Kestrel would hand them over, so the budget can reach a million (./build.sh fuzz N).
        await using var served = await ClassSR.Edge.Tests.Sinks.ServedPipeline.StartAsync(
            new ClassSR.Edge.Tests.Sinks.UnpluggableSource(still: true), token: "SECRET", quality: 70);
        var server = served.Server;
        Poll.Until(() => Serve(server, "/snapshot", "token=SECRET") == 200, "the first frame");
        byte[][] queries = [.. new[] { "view=bicubic&token=SECRET", "action=stream&view=classsr&token=SECRET", "action=snapshot&token=SECRET&view=",
                "token=SECRET&view=classsr&view=bicubic", "token=SECRET&action=" }
            .Select(q => Encoding.ASCII.GetBytes(q))];
        string[] paths = ["/snapshot", "/", "/stream", "/state", "/classes", "/metrics"];
        int turn = 0;
        Fuzz("http query in process", queries, Iterations(3000), b =>
        {
            var q = new StringBuilder();
            foreach (byte c in b)
                q.Append(char.IsAsciiLetterOrDigit((char)c) || c is (byte)'=' or (byte)'&' or (byte)'-' or (byte)'_' ? ((char)c).ToString() : $"%{c:X2}");
            int status = Serve(server, paths[turn++ % paths.Length], q.ToString());
            if (status is >= 400 and < 500)
                throw new HttpRefused($"HTTP {status}");
            if (status is not (200 or 503))
                throw new InvalidOperationException($"HTTP {status}");
        }, e => e is HttpRefused);
        // Still serving, and no stream client left behind.
        Assert.Equal(200, Serve(server, "/state", "token=SECRET"));
        Assert.Empty(served.Mjpeg.Exchange.Clients());
    }

    /// <summary>
    /// One GET through <see cref="ControlServer.ServeAsync"/>; an exception a handler lets out is thrown here (Kestrel
    /// would answer it with 500). A stream is ended once its first part is written, as a client that leaves would.
    /// </summary>
    static int Serve(ControlServer server, string path, string query)
    {
        var ctx = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        ctx.Request.Method = "GET";
        ctx.Request.Path = path;
        ctx.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString("?" + query);
        using var leave = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        ctx.RequestAborted = leave.Token;
        ctx.Response.Body = new LeavesAfterFirstPart(ctx.Response, leave);
        server.ServeAsync(ctx).GetAwaiter().GetResult();
        return ctx.Response.StatusCode;
    }

    /// <summary>A response body that, for a multipart stream, cancels the request once something was written to it.</summary>
    sealed class LeavesAfterFirstPart(Microsoft.AspNetCore.Http.HttpResponse response, CancellationTokenSource leave) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            Leave();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancel = default)
        {
            await base.WriteAsync(buffer, cancel);
            Leave();
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancel)
        {
            await base.WriteAsync(buffer, offset, count, cancel);
            Leave();
        }

        void Leave()
        {
            if (response.ContentType?.StartsWith("multipart/", StringComparison.Ordinal) == true)
                leave.Cancel();
        }
    }

    /// <summary>
    /// The server's answer to one request on its content: a 503 for a limit reached (other requests of the fuzzer in
    /// flight) is asked again, so the outcome of an input does not depend on how many run at once.
    /// </summary>
    static int Judged(Uri url, byte[] request)
    {
        int status = Status(url, request);
        for (int retry = 0; status == 503 && retry < 100; retry++)
        {
            Thread.Sleep(10);
            status = Status(url, request);
        }
        return status;
    }

    /// <summary>
    /// Sends one request (its header block ended by a blank line) and returns the status; 400 when the server closes
    /// unanswered. Not half-closed: Kestrel takes a FIN for a client gone and aborts a stream or a waiting snapshot.
    /// </summary>
    static int Status(Uri url, byte[] request)
    {
        using var client = new System.Net.Sockets.TcpClient();
        // Closed with a reset: a million connections closed gracefully would leave the client's ports in TIME_WAIT
        // faster than they free up.
        client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        client.Connect(url.Host, url.Port);
        client.ReceiveTimeout = 4000;
        var stream = client.GetStream();
        // One write: the server's connection limit answers 503 and closes at once, and a second write would then meet
        // the reset. Even one can, when the refusal comes before the request is sent; the answer is then read if it
        // arrived, or taken as the 503 it was (nothing else closes a connection before reading from it).
        try { stream.Write([.. request, .. "\r\n\r\n"u8]); }
        catch (IOException)
        {
            Interlocked.Increment(ref closedBeforeSent);
            return ReadStatus(stream) is int answered and not 400 ? answered : 503;
        }
        return ReadStatus(stream);
    }

    /// <summary>Connections the server closed before the request was written (its connection limit), per run.</summary>
    static int closedBeforeSent;

    static int ReadStatus(System.Net.Sockets.NetworkStream stream)
    {
        var head = new List<byte>();
        var buf = new byte[4096];
        while (head.Count < 64 * 1024)
        {
            int n;
            try { n = stream.Read(buf); }
            catch (IOException) { break; }
            if (n == 0) break;
            head.AddRange(buf.AsSpan(0, n));
            if (head.Count >= 12 && Encoding.ASCII.GetString([.. head]).Contains("\r\n\r\n", StringComparison.Ordinal))
                break;
        }
        string text = Encoding.ASCII.GetString([.. head]);
        return text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(text.AsSpan(9, 3), out int status) ? status : 400;
    }

    [Fact]
    public void V4l2_buffer_metadata_through_the_simulated_camera()
    {
        // A driver reporting nonsense: buffer indices it never had, bytesused beyond the mapping or short of a frame,
        // error and other flags, any field and sequence. Every read gives a frame, skips and counts a damaged one, or
        // fails with the source's IOException (the pipeline then reopens it, as here).
        foreach (var format in new[] { ClassSR.Edge.IO.V4l2.V4l2PixelFormat.Yuyv, ClassSR.Edge.IO.V4l2.V4l2PixelFormat.Nv12, ClassSR.Edge.IO.V4l2.V4l2PixelFormat.Mjpeg })
        {
            string name = $"v4l2 {format.ToString().ToLowerInvariant()} buffer";
            var rng = new Random(name.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0x7fffffff);
            using var camera = new ClassSR.Edge.IO.V4l2.SimulatedV4l2Device(
                ClassSR.Edge.IO.V4l2.V4l2Abi.CapVideoCapture | ClassSR.Edge.IO.V4l2.V4l2Abi.CapStreaming,
                [ClassSR.Edge.Daemon.Sources.V4l2CaptureRequest.FourCc(format)], [(160, 120)], fps: 1e6);
            camera.Dequeued = b =>
            {
                switch (rng.Next(6))
                {
                    case 0: b.Index = rng.Next(3) == 0 ? (uint)rng.Next() : (uint)rng.Next(8); break;
                    case 1: b.BytesUsed = rng.Next(3) switch { 0 => 0, 1 => (uint)rng.Next((int)b.BytesUsed + 1), _ => uint.MaxValue - (uint)rng.Next(16) }; break;
                    case 2: b.Flags ^= 1u << rng.Next(32); break;
                    case 3: (b.Field, b.Sequence) = ((uint)rng.Next(), (uint)rng.Next()); break;
                    case 4: b.Length = (uint)rng.Next(); break;
                }
                return b;
            };
            using var source = new ClassSR.Edge.Daemon.Sources.V4l2Source("/dev/video0", new ClassSR.Edge.Daemon.Sources.V4l2CaptureRequest(160, 120), camera);
            var frame = new YuvFrame(160, 120);
            int got = 0, refused = 0, slowOnce = 0, iterations = Iterations(600);
            bool lastSlow = false;
            source.Open();
            for (int i = 0; i < iterations; i++)
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    Assert.True(source.Read(frame, out _, CancellationToken.None));
                    got++;
                }
                catch (IOException e)
                {
                    Assert.StartsWith("/dev/video0: ", e.Message);
                    refused++;
                    source.Close();
                    source.Open();
                }
                // The camera's state moves on with each read, so a slow read cannot be timed again as a file can:
                // one slow read between quick ones is a stall of this shared host, two in a row are the source's.
                bool slow = sw.Elapsed >= PerInput;
                Assert.False(slow && lastSlow, $"{name}: reads {i - 1} and {i} each took over {PerInput.TotalSeconds:0} s");
                if (slow)
                    slowOnce++;
                lastSlow = slow;
            }
            source.Close();
            string stalls = slowOnce > 0 ? $", {slowOnce} slow once between quick reads (the host, not the input)" : "";
            output.WriteLine($"fuzz {name}: {iterations} inputs, {got} frames, {source.CorruptFrames} skipped as damaged, {refused} refused (reopened){stalls}");
            Assert.True(got > 0 && refused > 0 && source.CorruptFrames > 0, $"{name}: the mutations must reach every outcome");
        }
    }
}
