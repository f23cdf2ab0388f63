namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>The page at /: the stream and live figures from /state. Self-contained, since boards are often offline.</summary>
internal static class ViewerPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ClassSR.Edge</title>
        <style>
          body { margin: 0; background: #111; color: #ddd; font: 14px system-ui, sans-serif; }
          header { padding: 8px 12px; background: #1c1c1c; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
          h1 { font-size: 16px; margin: 0; color: #fff; }
          #signal { font-weight: bold; }
          .bad { color: #f55; } .good { color: #5d5; }
          main { display: flex; flex-wrap: wrap; gap: 12px; padding: 12px; }
          img { max-width: 100%; height: auto; background: #000; image-rendering: auto; }
          table { border-collapse: collapse; min-width: 260px; }
          td { padding: 2px 8px; border-bottom: 1px solid #2a2a2a; vertical-align: top; }
          td:first-child { color: #999; }
          .bar { display: flex; height: 10px; width: 200px; }
          .bar span { display: block; height: 100%; }
        </style>
        </head>
        <body>
        <header><h1>ClassSR.Edge</h1><span id="source"></span><span id="signal"></span></header>
        <main>
          <img id="stream" alt="upscaled stream">
          <table id="stats"></table>
        </main>
        <script>
        "use strict";
        const token = new URLSearchParams(location.search).get("token");
        const q = token ? "?token=" + encodeURIComponent(token) : "";
        document.getElementById("stream").src = "stream" + q;
        const f = (x, d = 1) => Number(x).toFixed(d);
        function row(name, value) {
          const tr = document.createElement("tr");
          const a = document.createElement("td"), b = document.createElement("td");
          a.textContent = name;
          if (value instanceof Node) b.appendChild(value); else b.textContent = value;
          tr.append(a, b);
          return tr;
        }
        function bar(c) {
          const d = document.createElement("div");
          d.className = "bar";
          [[c.simple, "#4a8"], [c.medium, "#db4"], [c.hard, "#d54"]].forEach(([v, col]) => {
            const s = document.createElement("span");
            s.style.width = (v * 100) + "%"; s.style.background = col; d.appendChild(s);
          });
          const wrap = document.createElement("div");
          wrap.append(d, document.createTextNode(`${f(c.simple * 100, 0)}% / ${f(c.medium * 100, 0)}% / ${f(c.hard * 100, 0)}%`));
          return wrap;
        }
        async function poll() {
          try {
            const r = await fetch("state" + q, { cache: "no-store" });
            const s = await r.json();
            document.getElementById("source").textContent =
              `${s.source.name} ${s.source.width}x${s.source.height} \u2192 ${s.output.width}x${s.output.height}`;
            const sig = document.getElementById("signal");
            sig.textContent = s.noSignal ? "NO SIGNAL" : "live";
            sig.className = s.noSignal ? "bad" : "good";
            const t = document.getElementById("stats");
            t.replaceChildren(
              row("mode", `${s.mode}, ${s.precision}`),
              row("fps captured / processed / encoded", `${f(s.fps.captured)} / ${f(s.fps.processed)} / ${f(s.fps.encoded)}`),
              row("classes simple / medium / hard", bar(s.classes)),
              row("MACs vs large", f(s.macsRatio, 3)),
              row("upscale / encode ms", `${f(s.latencyMs.upscale)} / ${f(s.latencyMs.encode)}`),
              row("capture \u2192 encoded ms", f(s.latencyMs.captureToEncoded)),
              row("drops", Object.entries(s.drops).map(([k, v]) => `${k} ${v}`).join(", ")),
              row("corrupt source frames", String(s.source.corruptFrames)),
              row("clients", s.clients.map(c => `#${c.id} ${f(c.fps)} fps, ${f(c.captureToSentMs)} ms (${c.skipped} skipped)`).join(", ") || "none"),
              row("uptime", `${f(s.uptimeSeconds, 0)} s`));
          } catch (e) {
            document.getElementById("signal").textContent = "daemon unreachable";
            document.getElementById("signal").className = "bad";
          }
        }
        poll();
        setInterval(poll, 1000);
        </script>
        </body>
        </html>
        """;
}
