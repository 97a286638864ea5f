// Line charts drawn directly on a canvas: no library, nothing fetched.
// vmtCharts.line(canvas, {title, series: [{label, colour, points: [[x, y], ...], dashed, markers}],
//                        refs: [{value, label, colour}], log, fromZero, cursor, empty})
"use strict";
const vmtCharts = (() => {
  const PAD = { left: 52, right: 10, top: 34, bottom: 22 };

  // Plain numbers on axes: 0.5, 12, 3400 — never exponent notation for ordinary ranges.
  function plain(v) {
    if (!isFinite(v)) return "–";
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 1e6 || a < 1e-4) return v.toPrecision(2);
    return String(Number(v.toPrecision(3)));
  }

  function niceTicks(lo, hi, count) {
    const span = hi - lo || Math.abs(hi) || 1;
    const step0 = span / count, mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => span / s <= count) || 10 * mag;
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(t);
    return out;
  }

  function bounds(opts) {
    let xs = [], ys = [];
    for (const s of opts.series) for (const [x, y] of s.points) { xs.push(x); if (y !== null && isFinite(y)) ys.push(y); }
    for (const r of opts.refs || []) if (isFinite(r.value)) ys.push(r.value);
    if (opts.log) ys = ys.filter(y => y > 0);
    if (!xs.length || !ys.length) return null;
    let [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    if (opts.fromZero) y0 = Math.min(0, y0);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (y1 === y0) { const d = Math.abs(y0) * 0.1 || 1; y0 = opts.log ? y0 / 1.5 : y0 - d; y1 = opts.log ? y1 * 1.5 : y1 + d; }
    return { x0, x1, y0, y1 };
  }

  function line(canvas, opts) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px sans-serif"; ctx.fillStyle = "#222";
    ctx.fillText(opts.title, PAD.left, 13);
    const b = bounds(opts);
    if (!b) { ctx.fillStyle = "#777"; ctx.fillText(opts.empty || "n/a", PAD.left, H / 2); return; }
    const tf = opts.log ? Math.log : (v => v);
    const [ly0, ly1] = [tf(b.y0), tf(b.y1)];
    const X = x => PAD.left + (x - b.x0) / (b.x1 - b.x0) * (W - PAD.left - PAD.right);
    const Y = y => H - PAD.bottom - (tf(y) - ly0) / (ly1 - ly0) * (H - PAD.top - PAD.bottom);
    axes(ctx, b, X, Y, opts, W, H);
    for (const r of opts.refs || []) {
      if (!isFinite(r.value) || (opts.log && r.value <= 0)) continue;
      ctx.strokeStyle = r.colour; ctx.setLineDash([5, 4]); ctx.beginPath();
      ctx.moveTo(PAD.left, Y(r.value)); ctx.lineTo(W - PAD.right, Y(r.value)); ctx.stroke(); ctx.setLineDash([]);
    }
    for (const s of opts.series) drawSeries(ctx, s, X, Y, opts.log);
    if (opts.cursor !== undefined && opts.cursor !== null) {
      ctx.strokeStyle = "#999"; ctx.beginPath(); ctx.moveTo(X(opts.cursor), PAD.top); ctx.lineTo(X(opts.cursor), H - PAD.bottom); ctx.stroke();
    }
    legend(ctx, opts, W);
  }

  function drawSeries(ctx, s, X, Y, log) {
    const pts = s.points.filter(([, y]) => y !== null && isFinite(y) && (!log || y > 0));
    ctx.strokeStyle = s.colour; ctx.fillStyle = s.colour; ctx.lineWidth = 1.5;
    if (s.dashed) ctx.setLineDash([2, 3]);
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke(); ctx.setLineDash([]); ctx.lineWidth = 1;
    if (pts.length < 3 || s.markers) for (const [x, y] of pts) { ctx.beginPath(); ctx.arc(X(x), Y(y), 2.5, 0, 7); ctx.fill(); }
  }

  function axes(ctx, b, X, Y, opts, W, H) {
    ctx.strokeStyle = "#ccc"; ctx.fillStyle = "#555";
    const yt = opts.log ? logTicks(b.y0, b.y1) : niceTicks(b.y0, b.y1, 4);
    for (const t of yt) {
      ctx.beginPath(); ctx.moveTo(PAD.left, Y(t)); ctx.lineTo(W - PAD.right, Y(t)); ctx.stroke();
      ctx.fillText(plain(t), 4, Y(t) + 4);
    }
    for (const t of niceTicks(b.x0, b.x1, 6)) ctx.fillText(plain(t), X(t) - 6, H - 6);
  }

  function logTicks(lo, hi) {
    const out = niceTicks(lo, hi, 4).filter(t => t > 0);
    return out.length >= 2 ? out : [lo, Math.sqrt(lo * hi), hi];
  }

  function legend(ctx, opts, W) {
    let x = W - PAD.right;  // one row under the title, right-aligned
    const items = opts.series.filter(s => s.label).concat((opts.refs || []).filter(r => r.label && isFinite(r.value)));
    for (const item of items.reverse()) {
      const text = item.label, w = ctx.measureText(text).width + 14;
      x -= w; ctx.fillStyle = item.colour; ctx.fillRect(x, 18, 9, 9); ctx.fillStyle = "#222"; ctx.fillText(text, x + 12, 26);
    }
  }

  return { line, plain };
})();
