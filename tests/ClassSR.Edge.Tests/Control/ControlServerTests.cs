using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ClassSR.Edge.Daemon;
using ClassSR.Edge.Daemon.Sinks;
using ClassSR.Edge.Daemon.Sources;
using Xunit;
using ClassSR.Edge.Tests.Imaging;
using ClassSR.Edge.Tests.Sinks;

namespace ClassSR.Edge.Tests.Control;

/// <summary>
/// The control plane serves /state, /metrics and /classes with the fields and metric names the daemon served when
/// HTTP was one sink (listed here from a run of that build), plus each sink's own part.
/// </summary>
public class ControlServerTests
{
    static readonly string[] StateFields =
    [
        "source.name", "source.width", "source.height", "source.fps", "source.signal", "source.ended", "source.corruptFrames",
        "source.reopens", "source.lastError", "output.width", "output.height", "mode", "precision", "noSignal", "uptimeSeconds",
        "fps.captured", "fps.processed", "fps.encoded", "frames.captured", "frames.processed", "frames.encoded", "classes.simple",
        "classes.medium", "classes.hard", "macsRatio", "reuse.enabled", "reuse.cellsReused", "reuse.cellsReusedMean",
        "reuse.refreshEvery", "reuse.threshold", "reuse.cacheResets", "latencyMs.upscale", "latencyMs.encode",
        "latencyMs.captureToEncoded", "hold.target", "hold.targetFps", "hold.budgetMs", "hold.achievedFps", "hold.level",
        "hold.maxLevel", "hold.classBias", "hold.deferRefresh", "hold.holding", "hold.lateFrames", "hold.dropped", "hold.cause",
        "clients", "drops.upscale", "drops.encode", "drops.socket", "refused.socket", "refused.http",
        "memory.residentMb", "memory.managedCommittedMb", "memory.managedHeapMb", "memory.managedFragmentedMb", "memory.threads",
    ];

    static readonly string[] ClientFields = ["view", "id", "remote", "fps", "sent", "skipped", "secondsConnected", "captureToSentMs"];

    static readonly string[] MetricNames =
    [
        "classsr_cells_reused_ratio", "classsr_class_share", "classsr_clients_refused_total", "classsr_fps", "classsr_frames_captured_total",
        "classsr_frames_dropped_total", "classsr_frames_encoded_total", "classsr_frames_late_total", "classsr_frames_processed_total",
        "classsr_hold_active", "classsr_hold_budget_seconds", "classsr_hold_class_bias", "classsr_hold_level", "classsr_hold_target_fps",
        "classsr_macs_ratio", "classsr_managed_committed_bytes", "classsr_resident_bytes", "classsr_reuse_cache_resets_total", "classsr_source_corrupt_frames_total", "classsr_source_reopens_total",
        "classsr_source_signal", "classsr_stage_latency_seconds", "classsr_stream_clients", "classsr_threads", "classsr_uptime_seconds",
    ];

    static bool Has(JsonElement e, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
                return false;
        }
        return true;
    }

    [Fact]
    public async Task State_metrics_and_classes_keep_their_fields_and_each_sink_adds_its_part()
    {
        string path = Path.Combine(TestImages.TemporaryDirectory(), "frames.sock");
        var socketSink = new FrameSocketSink(path, new Log(TextWriter.Null));
        socketSink.Bind();
        await using var served = await ServedPipeline.StartAsync(new SyntheticSource(fps: 30, width: 96, height: 64), extra: socketSink);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var stream = await client.GetStreamAsync(new Uri(served.Url, "stream"));
        using var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        raw.Connect(new UnixDomainSocketEndPoint(path));
        Poll.Until(() => socketSink.Clients.Count == 1 && served.Mjpeg.Exchange.HasClients && served.Pipeline.ProcessedFrames > 5
            && served.Mjpeg.Handled > 3, "both clients and a few frames");

        using var state = JsonDocument.Parse(await client.GetStringAsync(new Uri(served.Url, "state")));
        var root = state.RootElement;
        foreach (string field in StateFields)
            Assert.True(Has(root, field), $"/state lacks {field}");
        long id = socketSink.Clients[0].Id;
        Assert.True(Has(root, $"drops.socket:{id}"), "each raw-frame client's drops");
        var streamClient = Assert.Single(root.GetProperty("clients").EnumerateArray());
        foreach (string field in ClientFields)
            Assert.True(Has(streamClient, field), $"/state clients[] lacks {field}");
        Assert.True(root.GetProperty("frames").GetProperty("encoded").GetInt64() > 0, "the MJPEG sink's part");
        // Memory as the process sees it: the managed heap is a part of the resident set, and the threads include
        // the capture, upscale and encode threads.
        var memory = root.GetProperty("memory");
        double resident = memory.GetProperty("residentMb").GetDouble(), managed = memory.GetProperty("managedCommittedMb").GetDouble();
        Assert.True(managed > 0 && managed < resident, $"managed {managed} MB of {resident} MB resident");
        Assert.True(memory.GetProperty("threads").GetInt32() >= 3);
        // The sinks' own parts.
        var sinks = root.GetProperty("sinks");
        Assert.True(sinks.GetProperty("encode").GetProperty("frames").GetInt64() > 0);
        Assert.Equal(1, sinks.GetProperty("encode").GetProperty("clients").GetInt32());
        Assert.Equal(1, sinks.GetProperty("socket").GetProperty("clients").GetInt32());
        Assert.True(sinks.GetProperty("socket").GetProperty("frames").GetInt64() > 0);

        string metrics = await client.GetStringAsync(new Uri(served.Url, "metrics"));
        var names = metrics.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('{', ' ')[0]).ToHashSet();
        foreach (string name in MetricNames)
            Assert.Contains(name, names);

        using var classes = JsonDocument.Parse(await client.GetStringAsync(new Uri(served.Url, "classes")));
        foreach (string field in new[] { "sequence", "sourceWidth", "sourceHeight", "tile", "cols", "rows", "classes", "reused" })
            Assert.True(Has(classes.RootElement, field), $"/classes lacks {field}");
        var c = classes.RootElement;
        Assert.Equal(96, c.GetProperty("sourceWidth").GetInt32());
        Assert.Equal(c.GetProperty("cols").GetInt32() * c.GetProperty("rows").GetInt32(), c.GetProperty("classes").GetString()!.Length);

        // Routes the server does not have are named in the answer, the sinks' among them.
        var missing = await client.GetAsync(new Uri(served.Url, "nowhere"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        string text = await missing.Content.ReadAsStringAsync();
        foreach (string route in new[] { "/state", "/metrics", "/classes", "/stream", "/snapshot" })
            Assert.Contains(route, text);
        raw.Shutdown(SocketShutdown.Both);
    }
}
