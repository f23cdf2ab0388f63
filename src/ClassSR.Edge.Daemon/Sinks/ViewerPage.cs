namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// The page at /: the stream, a bicubic-vs-ClassSR split view (the bicubic stream is requested only while the split is
/// on), the class map over the picture from /classes, and live figures from /state. Self-contained: boards are often
/// offline.
/// </summary>
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
          img { max-width: 100%; height: auto; background: #000; image-rendering: auto; display: block; }
          #view { position: relative; display: inline-block; max-width: 100%; touch-action: none; }
          #view > #bicubic, #view > canvas { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }
          #view > canvas { image-rendering: pixelated; pointer-events: none; }
          #divider { position: absolute; top: 0; bottom: 0; width: 2px; background: #fff; pointer-events: none; }
          .label { position: absolute; top: 6px; padding: 1px 6px; background: #000a; font-size: 12px; pointer-events: none; }
          #controls { display: flex; gap: 14px; align-items: center; padding: 6px 0; }
          [hidden] { display: none !important; }
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
          <div>
            <div id="view">
              <img id="stream" alt="ClassSR stream">
              <img id="bicubic" alt="bicubic stream" hidden>
              <canvas id="overlay" hidden></canvas>
              <div id="divider" hidden></div>
              <span class="label" id="left-label" style="left: 6px" hidden>bicubic</span>
              <span class="label" id="right-label" style="right: 6px" hidden>ClassSR</span>
            </div>
            <div id="controls">
              <label><input type="checkbox" id="split"> split: bicubic | ClassSR</label>
              <label><input type="checkbox" id="map"> class map
                (<span style="color:#4a8">simple</span> / <span style="color:#db4">medium</span> / <span style="color:#d54">hard</span>; hatched: kept from an earlier frame)</label>
            </div>
          </div>
          <table id="stats"></table>
        </main>
        <script>
        "use strict";
        const token = new URLSearchParams(location.search).get("token");
        const q = token ? "?token=" + encodeURIComponent(token) : "";
        const $ = id => document.getElementById(id);
        $("stream").src = "stream" + q;

        // Split view: the bicubic stream on top, clipped to the left of the divider; drag on the picture to move it.
        let split = 0.5;
        function placeDivider() {
          $("bicubic").style.clipPath = `inset(0 ${(1 - split) * 100}% 0 0)`;
          $("divider").style.left = `calc(${split * 100}% - 1px)`;
        }
        $("split").addEventListener("change", e => {
          const on = e.target.checked;
          ["bicubic", "divider", "left-label", "right-label"].forEach(id => $(id).hidden = !on);
          // Only a watched split costs the daemon a bicubic encode.
          $("bicubic").src = on ? "stream" + (q ? q + "&" : "?") + "view=bicubic" : "";
          placeDivider();
        });
        function drag(e) {
          if (!$("split").checked || !(e.buttons & 1)) return;
          const r = $("view").getBoundingClientRect();
          split = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
          placeDivider();
        }
        $("view").addEventListener("pointerdown", drag);
        $("view").addEventListener("pointermove", drag);

        // Class map: one translucent cell per tile of the low-resolution frame, stretched over the picture.
        const colours = ["rgba(68,170,136,0.35)", "rgba(221,187,68,0.35)", "rgba(221,85,68,0.45)"];
        async function drawClasses() {
          if (!$("map").checked) return;
          try {
            const m = await (await fetch("classes" + q, { cache: "no-store" })).json();
            const c = $("overlay");
            if (c.width !== m.sourceWidth || c.height !== m.sourceHeight) { c.width = m.sourceWidth; c.height = m.sourceHeight; }
            const g = c.getContext("2d");
            g.clearRect(0, 0, c.width, c.height);
            for (let i = 0; i < m.classes.length; i++) {
              const x = (i % m.cols) * m.tile, y = Math.floor(i / m.cols) * m.tile;
              const w = Math.min(m.tile, c.width - x), h = Math.min(m.tile, c.height - y);
              g.fillStyle = colours[m.classes.charCodeAt(i) - 48];
              if (m.reused && m.reused[i] === "1") {
                // Kept from an earlier frame (temporal reuse): the class's colour as a thin hatch, not a fill.
                g.save(); g.beginPath(); g.rect(x, y, w, h); g.clip();
                g.strokeStyle = g.fillStyle; g.lineWidth = 1.5;
                for (let d = -h; d < w; d += 6) { g.beginPath(); g.moveTo(x + d, y + h); g.lineTo(x + d + h, y); g.stroke(); }
                g.restore();
              } else
                g.fillRect(x, y, w, h);
              g.strokeStyle = "rgba(0,0,0,0.3)";
              g.strokeRect(x + 0.5, y + 0.5, m.tile - 1, m.tile - 1);
            }
          } catch (e) { /* the state poll reports an unreachable daemon */ }
        }
        $("map").addEventListener("change", e => { $("overlay").hidden = !e.target.checked; drawClasses(); });
        setInterval(drawClasses, 500);
        // ?split=1 and ?map=1 open the page with them on, so a view can be shared as a link.
        const params = new URLSearchParams(location.search);
        ["split", "map"].forEach(id => {
          if (params.get(id) === "1") { $(id).checked = true; $(id).dispatchEvent(new Event("change")); }
        });
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
              row("cells reused", s.reuse && s.reuse.enabled ? `${f(s.reuse.cellsReused * 100, 0)}% (mean ${f(s.reuse.cellsReusedMean * 100, 0)}%)` : "off"),
              row("upscale / encode ms", `${f(s.latencyMs.upscale)} / ${f(s.latencyMs.encode)}`),
              row("capture \u2192 encoded ms", f(s.latencyMs.captureToEncoded)),
              row("drops", Object.entries(s.drops).map(([k, v]) => `${k} ${v}`).join(", ")),
              row("corrupt source frames", String(s.source.corruptFrames)),
              row("clients", s.clients.map(c => `#${c.id} ${c.view} ${f(c.fps)} fps, ${f(c.captureToSentMs)} ms (${c.skipped} skipped)`).join(", ") || "none"),
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
