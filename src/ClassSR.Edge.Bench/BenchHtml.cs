using System.Globalization;
using System.Net;
using System.Text;

namespace ClassSR.Edge.Bench;

/// <summary>
/// The report as one self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched), made from the
/// JSON report alone so any saved JSON can be rendered again. Table cells carry data-mode and data-field so a
/// browser's DOM can be checked against the JSON.
/// </summary>
public static class BenchHtml
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
    static string F(double v, string format = "0.##") => v.ToString(format, Inv);
    static string Color(int i) => Palette[i % Palette.Length];

    public static string Render(BenchReport r)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>classsr-edge field benchmark</title>\n<style>\n")
          .Append("body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
          .Append("table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}")
          .Append("th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.missing{color:#a33}.sim{background:#fd4;padding:1px 5px;border-radius:3px}")
          .Append("dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px}dt{font-weight:600}dd{margin:0}")
          .Append(".hists{display:flex;flex-wrap:wrap;gap:12px}svg{background:#fff;border:1px solid #ddd}svg text{font:11px system-ui,sans-serif}\n")
          .Append("</style></head><body>\n<h1>classsr-edge field benchmark</h1>\n<dl>");
        Item(sb, "started", r.StartedUtc);
        Item(sb, "host", $"{r.Host.Machine}: {r.Host.Cpu}, {r.Host.Cores} cores, {r.Host.Os}, classsr-edge {r.Host.Version}");
        Item(sb, "source", $"{r.Source.Spec} ({r.Source.Kind}{(r.Source.Frames is { } n ? $", {n} frames looped" : "")}), " +
            $"{r.Source.Width}x{r.Source.Height} -> {r.Source.OutputWidth}x{r.Source.OutputHeight}");
        Item(sb, "ground truth", r.Source.GroundTruth, r.Source.GroundTruthMissing);
        Item(sb, "timing", string.Create(Inv, $"{r.Settings.IdleSeconds} s idle baseline, {r.Settings.WarmupSeconds} s warm-up, {r.Settings.Seconds} s timed per mode, {r.Settings.Threads} threads"));
        sb.Append("<dt>power sensor</dt><dd>");
        if (r.Power.Sensor is { } sensor)
        {
            if (r.Power.Simulated)
                sb.Append("<span class=\"sim\">SIMULATED</span> ");
            sb.Append(E(sensor)).Append(string.Create(Inv, $", asked {r.Power.RateHz:0.#} Hz, sampled {r.Power.AchievedRateHz:0.#} Hz, {r.Power.ReadErrors} read errors"));
        }
        else
            sb.Append("<span class=\"missing\">").Append(E(r.Power.Missing)).Append("</span>");
        sb.Append("</dd>");
        Item(sb, "marker pin", r.Marker.Pin, "none");
        sb.Append("</dl>\n");

        Table(sb, r);
        sb.Append("<h2>End-to-end latency per mode</h2>\n<div class=\"hists\">");
        for (int i = 0; i < r.Modes.Count; i++)
            HistogramSvg(sb, r.Modes[i], Color(i));
        sb.Append("</div>\n<h2>Power trace</h2>\n");
        PowerSvg(sb, r);
        sb.Append("<h2>Speed against quality</h2>\n");
        ScatterSvg(sb, r);
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    static void Item(StringBuilder sb, string name, string? value, string? missing = null)
    {
        sb.Append("<dt>").Append(E(name)).Append("</dt><dd>");
        if (value is null)
            sb.Append("<span class=\"missing\">").Append(E(missing)).Append("</span>");
        else
            sb.Append(E(value));
        sb.Append("</dd>");
    }

    static void Table(StringBuilder sb, BenchReport r)
    {
        // Two tables of a dozen columns each: one of 24 ran off a 1300-pixel page.
        sb.Append("<h2>Per mode: speed and load</h2>\n<table id=\"modes\"><tr><th>mode</th><th>precision</th><th>frames</th><th>fps</th>")
          .Append("<th>e2e p50 ms</th><th>p90</th><th>p99</th><th>max</th><th>upscale p50 ms</th><th>queue p50 ms</th><th>CPU %</th><th>RSS MB</th>")
          .Append("<th>temp max &deg;C</th><th>throttled</th></tr>\n");
        foreach (var m in r.Modes)
        {
            sb.Append("<tr data-mode=\"").Append(E(m.Name)).Append("\">");
            Cell(sb, "mode", m.Name);
            Cell(sb, "precision", m.Precision);
            Cell(sb, "frames", m.Frames.ToString(Inv));
            Cell(sb, "fps", F(m.Fps, "0.00"));
            var e2e = m.LatencyMs.EndToEnd;
            Cell(sb, "e2e_p50", F(e2e.P50, "0.0"));
            Cell(sb, "e2e_p90", F(e2e.P90, "0.0"));
            Cell(sb, "e2e_p99", F(e2e.P99, "0.0"));
            Cell(sb, "e2e_max", F(e2e.Max, "0.0"));
            Cell(sb, "upscale_p50", F(m.LatencyMs.Upscale.P50, "0.0"));
            Cell(sb, "queue_p50", F(m.LatencyMs.Queue.P50, "0.00"));
            Cell(sb, "cpu_percent", F(m.CpuPercent, "0"));
            Cell(sb, "rss_mb", F(m.RssMbPeak, "0"));
            Cell(sb, "temp_max", m.Thermal is { } t ? F(t.MaxC, "0.0") : null, m.ThermalMissing);
            Cell(sb, "throttled", m.Throttled is { } th ? th.Raw + (th.Flags.Count > 0 ? " " + string.Join(", ", th.Flags) : "") : null, m.ThrottledMissing);
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n");
        sb.Append("<h2>Per mode: routing, quality and energy</h2>\n<table id=\"modes-quality\"><tr><th>mode</th><th>MACs ratio</th><th>reused</th>")
          .Append("<th>simple/medium/hard</th><th>PSNR-Y dB</th><th>SSIM-Y</th><th>mean W</th><th>idle W</th><th>mJ/frame</th><th>net mJ/frame</th><th>frames/J</th></tr>\n");
        foreach (var m in r.Modes)
        {
            sb.Append("<tr data-mode=\"").Append(E(m.Name)).Append("\">");
            Cell(sb, "mode", m.Name);
            Cell(sb, "macs_ratio", F(m.MacsRatio, "0.000"));
            Cell(sb, "reused", m.Reuse ? string.Create(Inv, $"{m.ReusedShare:P0}") : "off");
            Cell(sb, "shares", string.Create(Inv, $"{m.ClassShares.Simple:P0}/{m.ClassShares.Medium:P0}/{m.ClassShares.Hard:P0}"));
            Cell(sb, "psnr_y", m.Quality is { } q ? F(q.PsnrY, "0.00") : null, m.QualityMissing);
            Cell(sb, "ssim_y", m.Quality is { } q2 ? F(q2.SsimY, "0.0000") : null, m.QualityMissing);
            var en = m.Energy;
            Cell(sb, "mean_w", en is null ? null : F(en.MeanWatts, "0.00"), m.EnergyMissing);
            Cell(sb, "idle_w", en is null ? null : F(en.IdleWatts, "0.00"), m.EnergyMissing);
            Cell(sb, "mj_per_frame", en is null ? null : F(en.MjPerFrame, "0.0"), m.EnergyMissing);
            Cell(sb, "mj_per_frame_net", en is null ? null : F(en.MjPerFrameNet, "0.0"), m.EnergyMissing);
            Cell(sb, "frames_per_joule", en is null ? null : F(en.FramesPerJoule, "0.00"), m.EnergyMissing);
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n");
        if (r.Modes.FirstOrDefault(m => m.EnergyMissing != null)?.EnergyMissing is { } why)
            sb.Append("<p class=\"missing\">Energy not measured: ").Append(E(why)).Append("</p>\n");
    }

    static void Cell(StringBuilder sb, string field, string? value, string? missing = null)
    {
        sb.Append("<td data-field=\"").Append(field).Append('"');
        if (value is null)
            sb.Append(" class=\"missing\" title=\"").Append(E(missing)).Append("\">n/a");
        else
            sb.Append('>').Append(E(value));
        sb.Append("</td>");
    }

    static void HistogramSvg(StringBuilder sb, ModeResult m, string color)
    {
        const int W = 320, H = 180, L = 36, B = 28, T = 22;
        var h = m.EndToEndHistogram;
        sb.Append(Inv, $"<svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" data-chart=\"histogram\" data-mode=\"{E(m.Name)}\">");
        sb.Append(Inv, $"<text x=\"{L}\" y=\"14\" font-weight=\"bold\">{E(m.Name)}: {m.Frames} frames</text>");
        if (h.Counts.Count > 0)
        {
            int max = Math.Max(1, h.Counts.Max());
            double bw = (W - L - 8.0) / h.Counts.Count;
            for (int i = 0; i < h.Counts.Count; i++)
            {
                double bh = (H - B - T) * h.Counts[i] / (double)max;
                sb.Append(Inv, $"<rect x=\"{L + i * bw:0.#}\" y=\"{H - B - bh:0.#}\" width=\"{bw - 1:0.#}\" height=\"{bh:0.#}\" fill=\"{color}\"/>");
            }
            sb.Append(Inv, $"<text x=\"{L}\" y=\"{H - 12}\">0</text><text x=\"{W - 8}\" y=\"{H - 12}\" text-anchor=\"end\">{h.BinMs * h.Counts.Count:0.#} ms</text>");
            sb.Append(Inv, $"<text x=\"{L - 4}\" y=\"{T + 8}\" text-anchor=\"end\">{max}</text>");
        }
        sb.Append(Inv, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - 8}\" y2=\"{H - B}\" stroke=\"#444\"/></svg>");
    }

    static void PowerSvg(StringBuilder sb, BenchReport r)
    {
        if (r.PowerTrace is not { TS.Count: > 1 } p)
        {
            sb.Append("<p class=\"missing\">No power trace: ").Append(E(r.Power.Missing ?? "the sensor gave no samples")).Append("</p>\n");
            return;
        }
        const int W = 1200, H = 300, L = 50, B = 30, T = 30, R = 10;
        double t1 = Math.Max(p.TS[^1], r.Modes.Count > 0 ? r.Modes[^1].EndS : 0), wMax = Math.Max(0.1, p.Watts.Max()) * 1.1;
        double X(double t) => L + (W - L - R) * t / t1;
        double Y(double w) => H - B - (H - B - T) * w / wMax;
        sb.Append(Inv, $"<svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" data-chart=\"power\">");
        for (int i = 0; i < r.Modes.Count; i++)
        {
            var m = r.Modes[i];
            sb.Append(Inv, $"<rect x=\"{X(m.StartS):0.#}\" y=\"{T}\" width=\"{X(m.EndS) - X(m.StartS):0.#}\" height=\"{H - B - T}\" fill=\"{Color(i)}\" opacity=\"0.15\"/>");
            sb.Append(Inv, $"<text x=\"{X(m.StartS) + 2:0.#}\" y=\"{T - 6 - 10 * (i % 2)}\" fill=\"{Color(i)}\">{E(m.Name)}</text>");
        }
        foreach (var e in r.Marker.Edges)
            sb.Append(Inv, $"<line x1=\"{X(e.TS):0.#}\" y1=\"{T}\" x2=\"{X(e.TS):0.#}\" y2=\"{H - B}\" stroke=\"#000\" stroke-dasharray=\"{(e.High ? "4 2" : "1 2")}\"/>");
        sb.Append("<polyline fill=\"none\" stroke=\"#c00\" stroke-width=\"1\" points=\"");
        for (int i = 0; i < p.TS.Count; i++)
            sb.Append(Inv, $"{X(p.TS[i]):0.#},{Y(p.Watts[i]):0.#} ");
        sb.Append("\"/>");
        for (int k = 0; k <= 4; k++)
        {
            double w = wMax * k / 4;
            sb.Append(Inv, $"<text x=\"{L - 4}\" y=\"{Y(w) + 4:0.#}\" text-anchor=\"end\">{w:0.0} W</text><line x1=\"{L}\" x2=\"{W - R}\" y1=\"{Y(w):0.#}\" y2=\"{Y(w):0.#}\" stroke=\"#eee\"/>");
        }
        sb.Append(Inv, $"<text x=\"{W - R}\" y=\"{H - 8}\" text-anchor=\"end\">{t1:0.0} s</text><text x=\"{L}\" y=\"{H - 8}\">0 s</text>");
        sb.Append("</svg>\n<p>Shaded: each mode's timed window; dashed lines: marker pin raised, dotted: lowered. Between windows: model loading, idle baseline, warm-up, quality pass.</p>\n");
    }

    /// <summary>A label's width at the chart's 11-pixel font, a little generous (system-ui's widest digits and letters).</summary>
    static double LabelWidth(string text) => 6.6 * text.Length;

    static bool Overlap((double X0, double Y0, double X1, double Y1) a, (double X0, double Y0, double X1, double Y1) b) =>
        a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1;

    static void ScatterSvg(StringBuilder sb, BenchReport r)
    {
        var pts = r.Modes.Select((m, i) => (m, i)).Where(x => x.m.Quality != null).ToList();
        if (pts.Count == 0)
        {
            sb.Append("<p class=\"missing\">No PSNR: ").Append(E(r.Source.GroundTruthMissing ?? "no quality figures")).Append("</p>\n");
            return;
        }
        const int W = 640, H = 400, L = 60, B = 40, T = 20, R = 120;
        double fMax = pts.Max(x => x.m.Fps) * 1.1 + 1e-9;
        double pMin = Math.Floor(pts.Min(x => x.m.Quality!.PsnrY) - 0.5), pMax = Math.Ceiling(pts.Max(x => x.m.Quality!.PsnrY) + 0.5);
        double X(double f) => L + (W - L - R) * f / fMax;
        double Y(double q) => H - B - (H - B - T) * (q - pMin) / (pMax - pMin);
        sb.Append(Inv, $"<svg width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" data-chart=\"fps-psnr\">");
        sb.Append(Inv, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"#444\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"#444\"/>");
        sb.Append(Inv, $"<text x=\"{(W - R + L) / 2}\" y=\"{H - 8}\" text-anchor=\"middle\">frames per second (0 to {fMax:0.#})</text>");
        sb.Append(Inv, $"<text x=\"{L - 6}\" y=\"{Y(pMax) + 4:0.#}\" text-anchor=\"end\">{pMax:0}</text><text x=\"{L - 6}\" y=\"{Y(pMin):0.#}\" text-anchor=\"end\">{pMin:0}</text>");
        sb.Append(Inv, $"<text x=\"14\" y=\"{(H - B + T) / 2}\" transform=\"rotate(-90 14 {(H - B + T) / 2})\" text-anchor=\"middle\">PSNR-Y dB</text>");
        // Modes a few tenths of a dB apart sit on top of each other: each label takes the first place near its point
        // (right, then left, stepping away vertically) that no earlier label or point covers, with a leader line
        // when it had to move.
        var placed = new List<(double X0, double Y0, double X1, double Y1)>();
        foreach (var (m, _) in pts)
            placed.Add((X(m.Fps) - 6, Y(m.Quality!.PsnrY) - 6, X(m.Fps) + 6, Y(m.Quality!.PsnrY) + 6));
        foreach (var (m, i) in pts.OrderBy(p => Y(p.m.Quality!.PsnrY)))
        {
            double x = X(m.Fps), y = Y(m.Quality!.PsnrY), w = LabelWidth(m.Name), h = 13;
            (double Lx, double Ly, bool Left) best = (x + 8, y + 4, false);
            bool found = false;
            for (int step = 0; step < 40 && !found; step++)
            {
                double dy = (step + 1) / 2 * 14.0 * (step % 2 == 0 ? 1 : -1);
                foreach (bool left in new[] { false, true })
                {
                    double lx = left ? x - 8 - w : x + 8, ly = y + 4 + dy;
                    var box = (lx - 1, ly - h + 2, lx + w + 1, ly + 3);
                    if (box.Item1 < L + 2 || box.Item3 > W - 2 || box.Item2 < 2 || box.Item4 > H - B - 2 || placed.Any(p => Overlap(p, box)))
                        continue;
                    (best, found) = ((lx, ly, left), true);
                    placed.Add(box);
                    break;
                }
            }
            sb.Append(Inv, $"<circle cx=\"{x:0.#}\" cy=\"{y:0.#}\" r=\"5\" fill=\"{Color(i)}\"/>");
            if (Math.Abs(best.Ly - (y + 4)) > 0.5)
                sb.Append(Inv, $"<line x1=\"{x:0.#}\" y1=\"{y:0.#}\" x2=\"{(best.Left ? best.Lx + w : best.Lx):0.#}\" y2=\"{best.Ly - 4:0.#}\" stroke=\"#999\" stroke-width=\"0.7\"/>");
            sb.Append(Inv, $"<text data-label=\"{E(m.Name)}\" x=\"{best.Lx:0.#}\" y=\"{best.Ly:0.#}\">{E(m.Name)}</text>");
        }
        sb.Append("</svg>\n");
    }
}
