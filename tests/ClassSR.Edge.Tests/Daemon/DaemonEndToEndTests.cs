using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;
using Xunit;
using ClassSR.Edge.Tests.Cli;
using ClassSR.Edge.Tests.Engine;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sources;

namespace ClassSR.Edge.Tests.Daemon;

public class DaemonEndToEndTests
{
    const int W = 160, H = 120;
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    static string QuickModels => TestModels.Quick().Directory;

    /// <summary>A moving synthetic clip at 10 fps, with a damaged frame after frame 4.</summary>
    static string Clip(string dir, int frames = 12, bool corrupt = true)
    {
        var file = new Y4mFile(W, H, "10:1");
        var f = new YuvFrame(W, H);
        for (int i = 0; i < frames; i++)
        {
            SyntheticSource.Render(i * 5, f);
            file.Frame(f);
            if (corrupt && i == 4)
                file.Frame(77, marker: "FRAMX\n");
        }
        return file.Save(dir);
    }

    [Fact]
    public async Task Serves_the_viewers_bicubic_side_and_class_map()
    {
        var scene = new YuvFrame(W, H);
        SyntheticSource.Render(20, scene);
        var file = new Y4mFile(W, H, "10:1");
        for (int i = 0; i < 4; i++)
            file.Frame(scene);
        string clip = file.Save(TestImages.TemporaryDirectory());
        using var daemon = new DaemonProcess("--source", "y4m:" + clip, "--loop", "--listen", "127.0.0.1:0",
            "--models", QuickModels, "--mode", "large", "--seconds", "60");
        using var http = Client(daemon.WaitForUrl(StartTimeout));

        using var snap = await http.GetAsync("snapshot?view=bicubic");
        Assert.True(snap.IsSuccessStatusCode, daemon.Stderr);
        var got = new YuvFrame(W * 4, H * 4);
        using (var decoder = new JpegDecoder())
            decoder.DecodeI420(await snap.Content.ReadAsByteArrayAsync(), got);
        var expected = new byte[W * 4 * H * 4];
        new BicubicResizer(W, H, W * 4, H * 4).Resize(scene.Y, W, expected, W * 4);
        double psnr = Metrics.Psnr(got.Y, expected);
        Assert.True(psnr >= 40, $"bicubic view vs our bicubic: {psnr:F1} dB through JPEG");

        using var map = JsonDocument.Parse(await http.GetStringAsync("classes"));
        var m = map.RootElement;
        Assert.Equal((W, H), (m.GetProperty("sourceWidth").GetInt32(), m.GetProperty("sourceHeight").GetInt32()));
        int tile = m.GetProperty("tile").GetInt32(), cols = m.GetProperty("cols").GetInt32(), rows = m.GetProperty("rows").GetInt32();
        Assert.Equal(((W + tile - 1) / tile, (H + tile - 1) / tile), (cols, rows));
        // Forced to the large branch, every cell is "hard".
        Assert.Equal(new string('2', cols * rows), m.GetProperty("classes").GetString());

        // The clip is one picture repeated: temporal reuse (on by default in run) keeps nearly every cell.
        var until = DateTime.UtcNow.AddSeconds(20);
        double reused = 0;
        while (DateTime.UtcNow < until)
        {
            using var st = JsonDocument.Parse(await http.GetStringAsync("state"));
            var reuse = st.RootElement.GetProperty("reuse");
            Assert.True(reuse.GetProperty("enabled").GetBoolean());
            Assert.Equal(EngineOptions.DefaultRefreshEvery, reuse.GetProperty("refreshEvery").GetInt32());
            if ((reused = reuse.GetProperty("cellsReused").GetDouble()) >= 0.75)
                break;
            await Task.Delay(200);
        }
        Assert.True(reused >= 0.75, $"a still clip reused {reused:P0} of its cells");
        using var map2 = JsonDocument.Parse(await http.GetStringAsync("classes"));
        string kept = map2.RootElement.GetProperty("reused").GetString()!;
        Assert.Equal(cols * rows, kept.Length);
        Assert.Matches("^[01]+$", kept);
        Assert.Contains('1', kept);
        string metrics = await http.GetStringAsync("metrics");
        Assert.Contains("\nclasssr_cells_reused_ratio ", "\n" + metrics);
        Assert.Contains("\nclasssr_reuse_cache_resets_total ", "\n" + metrics);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync("stream?view=nearest")).StatusCode);
    }

    [Fact]
    public async Task Connections_beyond_the_cap_get_503_and_are_counted_and_idle_ones_are_closed()
    {
        string clip = Clip(TestImages.TemporaryDirectory());
        using var daemon = new DaemonProcess("--source", "y4m:" + clip, "--loop", "--listen", "127.0.0.1:0",
            "--models", QuickModels, "--mode", "bicubic", "--seconds", "60");
        var url = daemon.WaitForUrl(StartTimeout);
        const int extra = 6, cap = ClassSR.Edge.Daemon.Control.ControlServer.MaxConnections;
        var idle = new List<TcpClient>();
        try
        {
            for (int i = 0; i < cap; i++)
            {
                var c = new TcpClient();
                await c.ConnectAsync(url.Host, url.Port);
                idle.Add(c);
            }
            await Task.Delay(300);
            int refused = 0;
            for (int i = 0; i < extra; i++)
            {
                using var c = new TcpClient();
                await c.ConnectAsync(url.Host, url.Port);
                c.GetStream().ReadTimeout = 5000;
                var buffer = new byte[256];
                int n = c.GetStream().Read(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, n).StartsWith("HTTP/1.1 503", StringComparison.Ordinal))
                    refused++;
            }
            Assert.Equal(extra, refused);

            // A connection that never sends a request is closed by the server.
            var first = idle[0].GetStream();
            first.ReadTimeout = 10_000;
            var sw = Stopwatch.StartNew();
            Assert.Equal(0, first.Read(new byte[16]));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(9), $"an idle connection stayed open {sw.Elapsed}");
        }
        finally
        {
            foreach (var c in idle) c.Dispose();
        }
        await Task.Delay(500);
        // Streams take at most half the connections: one more gets 503, and /state still answers beside them.
        var streams = new List<TcpClient>();
        try
        {
            for (int i = 0; i <= ClassSR.Edge.Daemon.Sinks.MjpegSink.MaxStreamClients; i++)
            {
                var c = new TcpClient { ReceiveBufferSize = 1024 };
                await c.ConnectAsync(url.Host, url.Port);
                await c.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET /stream HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n"));
                streams.Add(c);
                await Task.Delay(20);
            }
            var last = streams[^1].GetStream();
            last.ReadTimeout = 5000;
            var buffer = new byte[64];
            int n = last.Read(buffer);
            Assert.StartsWith("HTTP/1.1 503", Encoding.ASCII.GetString(buffer, 0, n));
            using var during = Client(url);
            Assert.True((await during.GetAsync("state")).IsSuccessStatusCode);
        }
        finally
        {
            foreach (var c in streams) c.Dispose();
        }
        using var http = Client(url);
        using var state = JsonDocument.Parse(await http.GetStringAsync("state"));
        Assert.True(state.RootElement.GetProperty("refused").GetProperty("http").GetInt64() >= extra + 1);
        Assert.Contains("classsr_clients_refused_total{sink=\"http\"} ", await http.GetStringAsync("metrics"));
    }

    static HttpClient Client(Uri url) => new() { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Serves_snapshot_state_metrics_and_a_stream_that_a_stalled_client_cannot_hold_up()
    {
        string clip = Clip(TestImages.TemporaryDirectory());
        using var daemon = new DaemonProcess("--source", "y4m:" + clip, "--loop", "--listen", "127.0.0.1:0",
            "--models", QuickModels, "--seconds", "60");
        var url = daemon.WaitForUrl(StartTimeout);
        using var http = Client(url);

        using var snap = await http.GetAsync("snapshot");
        Assert.True(snap.IsSuccessStatusCode, daemon.Stderr);
        Assert.Equal("image/jpeg", snap.Content.Headers.ContentType!.MediaType);
        var jpeg = await snap.Content.ReadAsByteArrayAsync();
        using (var decoder = new JpegDecoder())
            Assert.Equal((W * 4, H * 4), (decoder.ReadHeader(jpeg).Width, decoder.ReadHeader(jpeg).Height));
        foreach (var h in new[] { "X-Timestamp-Captured-Ms", "X-Upscale-Ms", "X-Encode-Ms", "X-Capture-To-Encoded-Ms", "X-Frame-Sequence" })
            Assert.True(double.TryParse(snap.Headers.GetValues(h).Single(), System.Globalization.CultureInfo.InvariantCulture, out _), h);
        Assert.Equal("0", snap.Headers.GetValues("X-No-Signal").Single());

        // A client that asks for the stream and then never reads, with a tiny receive window.
        using var stalled = new TcpClient { ReceiveBufferSize = 1024 };
        await stalled.ConnectAsync(url.Host, url.Port);
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"GET /stream HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n"));
        await Task.Delay(2000);

        var sw = Stopwatch.StartNew();
        using var stream = await http.GetStreamAsync("stream");
        var parts = new List<byte[]>();
        for (int i = 0; i < 4; i++)
            parts.Add(await Multipart.ReadPartAsync(stream));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(8), $"4 frames took {sw.Elapsed}");
        using (var decoder = new JpegDecoder())
            Assert.All(parts, p => Assert.Equal(W * 4, decoder.ReadHeader(p).Width));

        using var state = JsonDocument.Parse(await http.GetStringAsync("state"));
        var s = state.RootElement;
        Assert.Equal("y4m:" + clip, s.GetProperty("source").GetProperty("name").GetString());
        Assert.Equal(W, s.GetProperty("source").GetProperty("width").GetInt32());
        Assert.Equal(H * 4, s.GetProperty("output").GetProperty("height").GetInt32());
        Assert.True(s.GetProperty("source").GetProperty("signal").GetBoolean());
        Assert.True(s.GetProperty("source").GetProperty("corruptFrames").GetInt64() >= 1, "the damaged frame was counted");
        Assert.True(s.GetProperty("fps").GetProperty("captured").GetDouble() > 5);
        Assert.True(s.GetProperty("frames").GetProperty("processed").GetInt64() >= 4);
        Assert.Equal("classsr", s.GetProperty("mode").GetString());
        Assert.Contains(s.GetProperty("precision").GetString(), new[] { "int8", "fp32" });
        Assert.False(s.GetProperty("noSignal").GetBoolean());
        var classes = s.GetProperty("classes");
        double total = classes.GetProperty("simple").GetDouble() + classes.GetProperty("medium").GetDouble() + classes.GetProperty("hard").GetDouble();
        Assert.InRange(total, 0.999, 1.001);
        Assert.InRange(s.GetProperty("macsRatio").GetDouble(), 0.01, 2);
        Assert.True(s.GetProperty("drops").TryGetProperty("upscale", out _));
        Assert.True(s.GetProperty("drops").TryGetProperty("encode", out _));
        var clients = s.GetProperty("clients").EnumerateArray().ToList();
        Assert.Equal(2, clients.Count);
        Assert.Contains(clients, c => c.GetProperty("sent").GetInt64() >= 4 && c.GetProperty("captureToSentMs").GetDouble() > 0);

        string metrics = await http.GetStringAsync("metrics");
        foreach (var m in new[] { "classsr_frames_captured_total ", "classsr_frames_processed_total ", "classsr_frames_dropped_total{stage=\"upscale\"} ",
            "classsr_fps{stage=\"processed\"} ", "classsr_class_share{class=\"hard\"} ", "classsr_stage_latency_seconds{stage=\"upscale\"} ",
            "classsr_source_corrupt_frames_total " })
            Assert.Contains("\n" + m, "\n" + metrics);
        Assert.Contains("# TYPE classsr_frames_captured_total counter", metrics);

        string page = await http.GetStringAsync("/");
        Assert.Contains("<img id=\"stream\"", page);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org", "")); // nothing fetched from elsewhere
        using var compat = await http.GetAsync("/?action=snapshot");
        Assert.Equal("image/jpeg", compat.Content.Headers.ContentType!.MediaType);

        // SIGTERM with a stalled client and an open stream still stops promptly and cleanly.
        sw.Restart();
        daemon.Terminate();
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(2.5)), $"still running {sw.Elapsed} after SIGTERM:\n{daemon.Stderr}");
        Assert.Equal(0, daemon.Process.ExitCode);
        Assert.DoesNotContain("error", daemon.Stderr);
    }

    [Fact]
    public void Writes_upscaled_y4m_to_stdout_and_ends_with_its_source()
    {
        string dir = TestImages.TemporaryDirectory();
        string clip = Clip(dir, frames: 6, corrupt: false);
        using var daemon = new DaemonProcess("--source", clip, "--output", "y4m:-", "--listen", "none", "--models", QuickModels, "--cost-model", "macs");
        using var output = new MemoryStream();
        daemon.Stdout.CopyTo(output);
        Assert.True(daemon.WaitForExit(TimeSpan.FromSeconds(20)), daemon.Stderr);
        Assert.True(daemon.Process.ExitCode == 0, daemon.Stderr);

        string path = Path.Combine(dir, "out.y4m");
        File.WriteAllBytes(path, output.ToArray());
        using var reader = new Y4mSource(path, loop: false, fps: 1000);
        reader.Open();
        Assert.Equal((W * 4, H * 4), (reader.Width, reader.Height));
        Assert.Equal(10, reader.Header!.Fps);
        var frames = new List<YuvFrame>();
        var f = new YuvFrame(W * 4, H * 4);
        while (reader.Read(f, out _, CancellationToken.None))
        {
            frames.Add(f);
            f = new YuvFrame(W * 4, H * 4);
        }
        Assert.Equal(0, reader.CorruptFrames);
        Assert.InRange(frames.Count, 2, 6);
        Assert.All(daemon.Stderr.Split('\n'), line => Assert.StartsWith("classsr-edge: ", line));

        // The first frame is never dropped (every stage is idle then); it must be what the engine makes of frame 0.
        var lr = new YuvFrame(W, H);
        SyntheticSource.Render(0, lr);
        using var up = new Upscaler(TestModels.Quick(), new EngineOptions { MeasureCosts = false });
        var expected = TestModels.Output(lr);
        up.Upscale(lr, expected);
        double mse = expected.Y.Zip(frames[0].Y).Average(p => (double)(p.First - p.Second) * (p.First - p.Second));
        Assert.True(mse < 1.0, $"luma MSE {mse} against the in-process engine");
    }

    [Fact]
    public async Task Shows_no_signal_while_the_source_is_missing_and_recovers_when_it_appears()
    {
        string dir = TestImages.TemporaryDirectory();
        string clip = Path.Combine(dir, "later.y4m");
        using var daemon = new DaemonProcess("--source", "y4m:" + clip, "--loop", "--listen", "127.0.0.1:0", "--models", QuickModels, "--seconds", "60");
        var url = daemon.WaitForUrl(StartTimeout);
        using var http = Client(url);

        using (var snap = await http.GetAsync("snapshot"))
        {
            Assert.True(snap.IsSuccessStatusCode, daemon.Stderr);
            Assert.Equal("1", snap.Headers.GetValues("X-No-Signal").Single());
            using var decoder = new JpegDecoder();
            // No frame ever came: the placeholder has the default synthetic size.
            Assert.Equal(SyntheticSource.DefaultWidth * 4, decoder.ReadHeader(await snap.Content.ReadAsByteArrayAsync()).Width);
        }
        Assert.True((await State(http)).GetProperty("noSignal").GetBoolean());

        File.Move(Clip(TestImages.TemporaryDirectory()), clip);
        var sw = Stopwatch.StartNew();
        JsonElement s;
        do
        {
            await Task.Delay(200);
            s = await State(http);
        }
        while (s.GetProperty("noSignal").GetBoolean() && sw.Elapsed < TimeSpan.FromSeconds(6));
        Assert.False(s.GetProperty("noSignal").GetBoolean(), daemon.Stderr);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"recovered after {sw.Elapsed}");
        Assert.True(s.GetProperty("source").GetProperty("reopens").GetInt64() >= 1);
        Assert.Equal(W, s.GetProperty("source").GetProperty("width").GetInt32());
        // Missing-file retries are logged once, not once per retry.
        Assert.Single(daemon.Stderr.Split('\n'), l => l.Contains("NO SIGNAL, retrying"));
    }

    [Fact]
    public async Task A_public_address_needs_a_token_and_then_checks_it()
    {
        var refused = CliRunner.Jit("run", "--listen", "0.0.0.0:0", "--models", QuickModels, "--seconds", "1");
        Assert.Equal(2, refused.ExitCode);
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        Assert.Contains("--auth-token", refused.Stderr);

        using var daemon = new DaemonProcess("--listen", "0.0.0.0:0", "--auth-token", "s3cret", "--fps", "5", "--models", QuickModels, "--seconds", "60");
        var bound = daemon.WaitForUrl(StartTimeout);
        using var http = Client(new Uri($"http://127.0.0.1:{bound.Port}/"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("state")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("state?token=wrong")).StatusCode);
        Assert.True((await http.GetAsync("state?token=s3cret")).IsSuccessStatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "snapshot");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.True((await http.SendAsync(request)).IsSuccessStatusCode);
    }

    static async Task<JsonElement> State(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("state"));
        return doc.RootElement.Clone();
    }
}

/// <summary>Reads multipart/x-mixed-replace parts the way an MJPEG viewer does.</summary>
internal static class Multipart
{
    public static async Task<byte[]> ReadPartAsync(Stream stream)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var headers = new StringBuilder();
        var one = new byte[1];
        while (!headers.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancel.Token) == 0)
                throw new EndOfStreamException("stream ended inside part headers");
            headers.Append((char)one[0]);
            // Skip the CRLF that ends the previous part's body.
            if (headers.ToString() == "\r\n")
                headers.Clear();
        }
        string text = headers.ToString();
        Assert.StartsWith("--classsrframe\r\n", text);
        Assert.Contains("Content-Type: image/jpeg\r\n", text);
        string lengthLine = text.Split("\r\n").Single(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal));
        var body = new byte[int.Parse(lengthLine["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture)];
        await stream.ReadExactlyAsync(body, cancel.Token);
        return body;
    }
}
