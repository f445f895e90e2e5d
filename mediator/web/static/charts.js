/*
 * Small inline-SVG charts (no chart library): a line chart, horizontal bars and a sparkline.
 * Each chart carries role="img", a <title> and a visually hidden data table, so a screen
 * reader gets the numbers a sighted supervisor reads off the picture.
 */
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#0b5cad", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bc4c00"];

  function svg(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  function frame(container, title, w, h) {
    container.textContent = "";
    var s = svg("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": title, class: "chart", preserveAspectRatio: "xMidYMid meet" });
    s.appendChild(svg("title", {}, title));
    container.appendChild(s);
    return s;
  }

  function table(container, head, rows) {
    var t = document.createElement("table");
    t.className = "sr-only";
    var tr = document.createElement("tr");
    head.forEach(function (h) { var th = document.createElement("th"); th.textContent = h; tr.appendChild(th); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = document.createElement("tr");
      r.forEach(function (c) { var td = document.createElement("td"); td.textContent = c; row.appendChild(td); });
      t.appendChild(row);
    });
    container.appendChild(t);
  }

  function empty(container, text) {
    container.textContent = "";
    var p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    container.appendChild(p);
  }

  var Charts = {
    /*
     * series: [{name, points: [{x: Date|number, y: number}]}]; y in [yMin, yMax].
     * opts: {title, yMax, yFormat, xFormat, emptyText}
     */
    line: function (container, series, opts) {
      var all = [];
      series.forEach(function (s) { all = all.concat(s.points); });
      if (!all.length) return empty(container, opts.emptyText || "");
      var W = 520, H = 220, L = 42, R = 12, T = 14, B = 30;
      var xs = all.map(function (p) { return +p.x; });
      var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
      if (x1 === x0) { x0 -= 1; x1 += 1; }
      var yMax = opts.yMax != null ? opts.yMax : Math.max.apply(null, all.map(function (p) { return p.y; })) || 1;
      var fx = function (x) { return L + (W - L - R) * (+x - x0) / (x1 - x0); };
      var fy = function (y) { return T + (H - T - B) * (1 - y / yMax); };
      var s = frame(container, opts.title, W, H);
      for (var i = 0; i <= 4; i++) {
        var v = yMax * i / 4, y = fy(v);
        s.appendChild(svg("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#d0d7de", "stroke-width": 1 }));
        s.appendChild(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#57606a" }, opts.yFormat ? opts.yFormat(v) : String(v)));
      }
      [x0, x1].forEach(function (x, k) {
        s.appendChild(svg("text", { x: fx(x), y: H - 8, "text-anchor": k ? "end" : "start", "font-size": 11, fill: "#57606a" }, opts.xFormat ? opts.xFormat(x) : String(x)));
      });
      series.forEach(function (ser, k) {
        var pts = ser.points.slice().sort(function (a, b) { return +a.x - +b.x; });
        if (!pts.length) return;
        var d = pts.map(function (p, j) { return (j ? "L" : "M") + fx(p.x).toFixed(1) + " " + fy(p.y).toFixed(1); }).join(" ");
        s.appendChild(svg("path", { d: d, fill: "none", stroke: COLORS[k % COLORS.length], "stroke-width": 2.5, "stroke-linejoin": "round" }));
        pts.forEach(function (p) {
          var c = svg("circle", { cx: fx(p.x), cy: fy(p.y), r: 3, fill: COLORS[k % COLORS.length] });
          c.appendChild(svg("title", {}, ser.name + ": " + (opts.yFormat ? opts.yFormat(p.y) : p.y)));
          s.appendChild(c);
        });
        s.appendChild(svg("rect", { x: L + 8 + k * 110, y: 2, width: 10, height: 10, fill: COLORS[k % COLORS.length] }));
        s.appendChild(svg("text", { x: L + 22 + k * 110, y: 11, "font-size": 11, fill: "#1b1f24" }, ser.name));
      });
      var head = ["t"].concat(series.map(function (x) { return x.name; }));
      var rows = (series[0] ? series[0].points : []).map(function (p, j) {
        return [opts.xFormat ? opts.xFormat(p.x) : String(p.x)].concat(series.map(function (ser) {
          var q = ser.points[j];
          return q ? (opts.yFormat ? opts.yFormat(q.y) : String(q.y)) : "";
        }));
      });
      table(container, head, rows);
    },

    /* items: [{label, value}] drawn as labelled horizontal bars, largest first. */
    bars: function (container, items, opts) {
      items = items.filter(function (i) { return i.value > 0; }).sort(function (a, b) { return b.value - a.value; });
      if (!items.length) return empty(container, opts.emptyText || "");
      var rowH = 26, W = 520, L = 190, R = 56;
      var H = items.length * rowH + 10;
      var max = Math.max.apply(null, items.map(function (i) { return i.value; }));
      var s = frame(container, opts.title, W, H);
      items.forEach(function (it, k) {
        var y = 5 + k * rowH;
        var w = Math.max(2, (W - L - R) * it.value / max);
        var color = it.color || COLORS[(opts.colorOffset || 0) % COLORS.length];
        s.appendChild(svg("text", { x: L - 8, y: y + 16, "text-anchor": "end", "font-size": 12, fill: "#1b1f24" }, it.label));
        var bar = svg("rect", { x: L, y: y + 3, width: w, height: rowH - 8, rx: 3, fill: color });
        bar.appendChild(svg("title", {}, it.label + ": " + (opts.format ? opts.format(it.value) : it.value)));
        s.appendChild(bar);
        s.appendChild(svg("text", { x: L + w + 6, y: y + 16, "font-size": 12, fill: "#1b1f24" }, opts.format ? opts.format(it.value) : String(it.value)));
      });
      table(container, ["", ""], items.map(function (i) { return [i.label, opts.format ? opts.format(i.value) : String(i.value)]; }));
    },

    /* A small trend line for values in [0, 1]. */
    sparkline: function (container, values, title) {
      values = (values || []).map(Number).filter(function (v) { return !isNaN(v); });
      if (!values.length) return empty(container, "–");
      if (values.length === 1) values = [values[0], values[0]];  // one reading: a flat line, not a dot
      var W = 220, H = 48, P = 4;
      var s = frame(container, title, W, H);
      var n = Math.max(values.length - 1, 1);
      var pts = values.map(function (v, i) { return [P + (W - 2 * P) * i / n, P + (H - 2 * P) * (1 - Math.min(Math.max(v, 0), 1))]; });
      s.appendChild(svg("line", { x1: P, x2: W - P, y1: H / 2, y2: H / 2, stroke: "#d0d7de", "stroke-dasharray": "3 3" }));
      s.appendChild(svg("path", { d: pts.map(function (p, i) { return (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1); }).join(" "), fill: "none", stroke: "#cf222e", "stroke-width": 2 }));
      var last = pts[pts.length - 1];
      s.appendChild(svg("circle", { cx: last[0], cy: last[1], r: 3.5, fill: "#cf222e" }));
      table(container, ["#", title], values.map(function (v, i) { return [String(i + 1), Math.round(v * 100) + "%"]; }));
    }
  };

  window.Charts = Charts;
})();
