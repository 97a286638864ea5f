// The VMT viewer page: one websocket, one canvas for the grid, four charts.
// The server sends "hello" (the run's constants and chart history), "frame"
// (one tick), "state" (live: playing, speed), "agent" (a panel) and "error".
"use strict";
(() => {
  const GROUP_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  const PAIR_COLOURS = { "A<->B": "#d62728", "A<->M": "#1f77b4", "B<->M": "#2ca02c" };
  const GOOD_COLOURS = ["46,160,67", "170,110,40"];  // resources A, B
  const $ = id => document.getElementById(id);
  const state = { hello: null, frame: null, history: [], playing: false, speed: 10, direction: 1,
                  pending: false, selected: null, drawn: [], cell: 1, errors: [] };
  window.vmt = state;

  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  const send = msg => socket.readyState === 1 && socket.send(JSON.stringify(msg));
  socket.onmessage = ev => {
    const msg = JSON.parse(ev.data);
    ({ hello: onHello, frame: onFrame, state: onState, agent: showAgent, error: showError })[msg.type]?.(msg);
  };
  socket.onclose = () => showError({ message: "connection to the server closed" });

  // -- messages ---------------------------------------------------------------
  function onHello(h) {
    state.hello = h; state.history = h.history.slice(); state.selected = null; state.pending = false;
    $("agent-panel").hidden = true;
    const replay = h.mode === "replay";
    document.querySelectorAll(".replay-only").forEach(e => (e.hidden = !replay));
    document.querySelectorAll(".live-only").forEach(e => (e.hidden = replay));
    $("title").textContent = `${h.scenario} · seed ${h.seed} · ${h.n_agents} agents · ${h.mode}` +
      (replay ? ` · run ${h.run_id} (${h.status})` : "");
    $("mode-note").textContent = replay
      ? `positions recorded every ${h.snapshot_interval} tick${h.snapshot_interval > 1 ? "s" : ""}` : "";
    $("draw-note").textContent = h.stride > 1
      ? `drawing 1 agent in ${h.stride} (${Math.ceil(h.n_agents / h.stride)} of ${h.n_agents}): above ${h.draw_limit} agents the map is decimated` : "";
    if (replay) { $("scrub").min = h.first_tick; $("scrub").max = h.last_tick; $("scrub").step = h.snapshot_interval; }
    buildParams(h); legend(h); sizeCanvas(h.grid);
    if (h.frame) onFrame(h.frame, true);
  }

  function onFrame(f, fromHello) {
    state.frame = f; state.pending = false; state.framesShown = (state.framesShown || 0) + 1;
    if (f.stats && !fromHello) state.history.push(f.stats);
    $("tick").textContent = f.tick < 0 ? "start" : f.tick;
    if (state.hello.mode === "replay") $("scrub").value = f.tick;
    const began = performance.now();
    draw(); charts();
    state.drawMs = performance.now() - began;  // the page's own cost per frame (the benchmark reads it)
    if (state.selected !== null) requestAgent(state.selected);
  }

  function onState(s) {
    state.playing = s.playing; state.speed = s.speed;
    $("play").textContent = s.playing ? "pause" : "play";
  }

  function showError(e) { state.errors.push(e.message); const b = $("error-banner"); b.textContent = e.message; b.hidden = false; }

  // -- controls ----------------------------------------------------------------
  $("play").onclick = () => {
    if (state.hello.mode === "live") return send({ type: state.playing ? "pause" : "play" });
    onState({ playing: !state.playing, speed: state.speed });
  };
  $("step").onclick = () => (state.hello.mode === "live" ? send({ type: "step" }) : seekBy(1));
  $("step-back").onclick = () => seekBy(-1);
  $("speed").oninput = () => {
    const v = Number($("speed").value); $("speed-value").textContent = v; state.speed = v;
    if (state.hello.mode === "live") send({ type: "speed", value: v });
  };
  $("direction").onchange = () => (state.direction = Number($("direction").value));
  $("colour").onchange = draw;
  $("scrub").oninput = () => seek(Number($("scrub").value));
  $("agent-close").onclick = () => { state.selected = null; $("agent-panel").hidden = true; };
  $("map").onclick = ev => {
    const r = $("map").getBoundingClientRect(), id = agentAt(ev.clientX - r.left, ev.clientY - r.top);
    if (id !== null) { state.selected = id; requestAgent(id); }
  };
  $("params-form").onsubmit = ev => {
    ev.preventDefault();
    const params = {};
    for (const p of state.hello.params) {
      const el = $("param-" + p.name), v = p.kind === "choice" ? el.value : Number(el.value);
      if (String(v) !== String(p.value)) params[p.name] = v;
    }
    const seed = $("seed").value === "" ? null : Number($("seed").value);
    send({ type: "restart", params, seed });
  };

  function seek(tick) { state.pending = true; send({ type: "seek", tick }); }
  function seekBy(steps) {
    const h = state.hello, t = state.frame.tick + steps * h.snapshot_interval;
    if (t >= h.first_tick && t <= h.last_tick) seek(t); else onState({ playing: false, speed: state.speed });
  }
  function requestAgent(id) {
    send(state.hello.mode === "live" ? { type: "agent", id } : { type: "agent", id, tick: state.frame.tick });
  }
  (function replayClock() {  // a replay plays in the page: ask for the next frame when the last has come
    if (state.hello && state.hello.mode === "replay" && state.playing && !state.pending) seekBy(state.direction);
    setTimeout(replayClock, 1000 / Math.max(1, state.speed));
  })();

  function buildParams(h) {
    const box = $("params"); box.replaceChildren();
    for (const p of h.params) {
      const label = document.createElement("label"); label.textContent = p.name; label.htmlFor = "param-" + p.name;
      let input;
      if (p.kind === "choice") {
        input = document.createElement("select");
        for (const c of p.choices) { const o = document.createElement("option"); o.value = o.textContent = c; input.append(o); }
      } else {
        input = document.createElement("input"); input.type = "number"; input.step = p.kind === "int" ? "1" : "any";
      }
      input.id = "param-" + p.name; input.value = p.value; box.append(label, input);
    }
    $("seed").value = h.seed;
  }

  function legend(h) {
    const box = $("legend"); box.replaceChildren();
    h.groups.forEach((g, i) => {
      const s = document.createElement("span"), sw = document.createElement("span");
      sw.className = "swatch"; sw.style.background = GROUP_COLOURS[i % GROUP_COLOURS.length];
      s.append(sw, g); box.append(s);
    });
    const extra = document.createElement("span");
    extra.textContent = "▢ resources (green A, brown B) · ◯ market areas · ■ market posts · lines: this tick's trades";
    box.append(extra);
  }

  // -- the grid ----------------------------------------------------------------
  function sizeCanvas(grid) {
    const c = $("map"), side = 640;
    state.cell = Math.max(side / Math.max(grid.width, grid.height), 0.25);
    c.width = Math.ceil(grid.width * state.cell); c.height = Math.ceil(grid.height * state.cell);
  }

  function colours(f) {
    if ($("colour").value === "group") return f.agents.g.map(g => GROUP_COLOURS[g % GROUP_COLOURS.length]);
    const u = f.agents.u.filter(v => v !== null), lo = Math.min(...u), hi = Math.max(...u);
    return f.agents.u.map(v => { const t = v === null || hi === lo ? 0.5 : (v - lo) / (hi - lo); return `hsl(${240 - 190 * t},80%,45%)`; });
  }

  function draw() {
    const f = state.frame, ctx = $("map").getContext("2d"), c = state.cell;
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, $("map").width, $("map").height);
    for (const [x, y, good, fill] of f.resources) { ctx.fillStyle = `rgba(${GOOD_COLOURS[good]},${0.12 + 0.5 * fill})`; ctx.fillRect(x * c, y * c, c, c); }
    drawAreasAndPosts(ctx, f, c);
    layoutAgents(f, c);
    const at = new Map(state.drawn.map(([id, x, y]) => [id, [x, y]]));
    ctx.lineWidth = Math.min(Math.max(1, c / 12), 2.5);
    for (const [x1, y1, x2, y2, pair, buyer, seller] of f.trades) {
      const from = at.get(buyer) || [(x1 + 0.5) * c, (y1 + 0.5) * c], to = at.get(seller) || [(x2 + 0.5) * c, (y2 + 0.5) * c];
      ctx.strokeStyle = Object.values(PAIR_COLOURS)[pair]; ctx.beginPath(); ctx.moveTo(...from); ctx.lineTo(...to); ctx.stroke();
    }
    ctx.lineWidth = 1;
    drawAgents(ctx, f, c);
  }

  function drawAreasAndPosts(ctx, f, c) {
    ctx.font = "11px sans-serif";
    for (const [id, cx, cy, r, price] of f.areas) {
      ctx.strokeStyle = "#555"; ctx.setLineDash([4, 3]); ctx.beginPath();
      ctx.arc((cx + 0.5) * c, (cy + 0.5) * c, Math.max(r * c, 3), 0, 7); ctx.stroke(); ctx.setLineDash([]);
      ctx.fillStyle = "#222"; ctx.fillText(`area ${id}` + (price ? ` p=${vmtCharts.plain(price)}` : ""), (cx + 0.5) * c + 4, (cy + 0.5) * c - 4);
    }
    for (const p of state.hello.posts) {
      ctx.fillStyle = "#111"; const s = Math.max(c * 0.8, 6);
      ctx.fillRect((p.x + 0.5) * c - s / 2, (p.y + 0.5) * c - s / 2, s, s);
      ctx.strokeStyle = "#111"; ctx.beginPath(); ctx.arc((p.x + 0.5) * c, (p.y + 0.5) * c, p.radius * c, 0, 7); ctx.stroke();
      const prices = Object.entries(f.post_prices).filter(([k]) => k.split(" ")[0] === String(p.id));
      ctx.fillText(`post ${p.id} ${p.mechanism} ` + prices.map(([k, v]) => `${k.split(" ")[1]}=${vmtCharts.plain(v)}`).join(" "),
                   (p.x + 0.5) * c + s, (p.y + 0.5) * c + 4);
    }
  }

  // Where each drawn agent sits: its cell's centre, agents sharing a cell spread on a 3x3 pattern.
  function layoutAgents(f, c) {
    const a = f.agents, slots = new Map();
    state.drawn = new Array(a.id.length);
    for (let i = 0; i < a.id.length; i++) {
      const key = a.x[i] * 1e6 + a.y[i], k = slots.get(key) || 0; slots.set(key, k + 1);
      const off = c >= 8 ? [(k % 3 - 1) * c * 0.28, (Math.floor(k / 3) % 3 - 1) * c * 0.28] : [0, 0];
      state.drawn[i] = [a.id[i], (a.x[i] + 0.5) * c + off[0], (a.y[i] + 0.5) * c + off[1]];
    }
  }

  function drawAgents(ctx, f, c) {
    const cols = colours(f), radius = Math.min(Math.max(1.2, c * 0.18), 7);
    state.drawn.forEach(([id, px, py], i) => {
      ctx.fillStyle = cols[i]; ctx.beginPath(); ctx.arc(px, py, radius, 0, 7); ctx.fill();
      if (id === state.selected) { ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.stroke(); ctx.lineWidth = 1; }
    });
  }

  function agentAt(px, py) {
    let best = null, bestD = Math.max(6, state.cell * 0.4) ** 2;
    for (const [id, x, y] of state.drawn) { const d = (x - px) ** 2 + (y - py) ** 2; if (d < bestD) { bestD = d; best = id; } }
    return best;
  }
  state.agentScreenPosition = id => { const hit = state.drawn.find(d => d[0] === id); return hit ? { x: hit[1], y: hit[2] } : null; };

  // -- the agent panel -----------------------------------------------------------
  function showAgent(p) {
    if (p.id !== state.selected) return;
    $("agent-panel").hidden = false; $("agent-id").textContent = `${p.id} (${p.group}) at (${p.x}, ${p.y}), tick ${p.tick}`;
    const rows = [["utility", p.utility], ["λ (utils per M)", p.lambda]];
    for (const [pair, q] of Object.entries(p.quotes || {})) rows.push([`${pair} quote ask / bid`, `${fmt(q.ask)} / ${fmt(q.bid)}`]);
    for (const [pair, v] of Object.entries(p.valuation || {})) rows.push([`${pair} marginal valuation`, v]);
    for (const [pair, v] of Object.entries(p.observed_price || {})) rows.push([`${pair} observed price`, v]);
    const body = $("agent-body"); body.replaceChildren();
    const holdings = table(["good", "holding"], Object.entries(p.holdings).map(([g, v]) => [g, v]));
    holdings.querySelectorAll("tr").forEach((tr, i) => { if (i) { const g = Object.keys(p.holdings)[i - 1]; tr.dataset.holding = g; tr.dataset.value = p.holdings[g]; } });
    const trades = table(["tick", "side", "pair", "partner", "A", "B", "M", "price"],
      p.trades.map(t => [t.tick, t.side, t.pair, t.partner, t.A, t.B, t.M, t.price]));
    const title = document.createElement("h3"); title.textContent = p.trades.length ? "recent trades" : "no trades yet";
    body.append(holdings, table(["", "value"], rows), title, trades);
  }

  function table(head, rows) {
    const t = document.createElement("table"), tr = document.createElement("tr");
    for (const h of head) { const th = document.createElement("th"); th.textContent = h; tr.append(th); }
    t.append(tr);
    for (const r of rows) {
      const row = document.createElement("tr");
      for (const v of r) { const td = document.createElement("td"); td.textContent = typeof v === "number" || v === null ? fmt(v) : v; row.append(td); }
      t.append(row);
    }
    return t;
  }
  function fmt(v) { return v === null || v === undefined ? "—" : (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))); }

  // -- charts --------------------------------------------------------------------
  function charts() {
    const h = state.hello, pts = state.history, cursor = h.mode === "replay" ? state.frame.tick : null;
    const byPair = key => h.pairs.map(pair => ({ label: pair, colour: PAIR_COLOURS[pair],
      points: pts.filter(p => p.tick >= 0 && p[key][pair] !== undefined).map(p => [p.tick, p[key][pair]]) }));
    const refs = h.pairs.map(pair => ({ value: h.reference[pair], colour: PAIR_COLOURS[pair],
      label: h.reference[pair] !== undefined ? `p* ${pair} = ${vmtCharts.plain(h.reference[pair])}` : undefined }));
    const missing = h.pairs.filter(p => h.reference[p] === undefined);
    $("price-note").hidden = !missing.length;
    const why = new Map();  // one line per distinct reason
    for (const p of missing) { const r = (h.reference_reasons || {})[p] || "no equilibrium computed"; why.set(r, [...(why.get(r) || []), p]); }
    $("price-note").textContent = [...why].map(([r, ps]) => `p* n/a for ${ps.join(", ")}: ${r}`).join("; ");
    vmtCharts.line($("chart-price"), { title: "price per pair (VWAP of the tick's trades; dashed: Walrasian p*)",
      series: byPair("price"), refs, log: true, cursor, empty: "n/a: no trades yet" });
    vmtCharts.line($("chart-dispersion"), { title: "quote dispersion (std of log marginal valuation)",
      series: [{ label: null, colour: "#444", points: pts.filter(p => p.dispersion !== null).map(p => [p.tick, p.dispersion]) }],
      fromZero: true, cursor, empty: "n/a: no finite valuations" });
    vmtCharts.line($("chart-volume"), { title: "volume per tick (first good)", series: byPair("volume"), fromZero: true, cursor,
      empty: "n/a: no trades yet" });
    vmtCharts.line($("chart-welfare"), { title: "share of the Walrasian gains from trade realised",
      series: [{ label: null, colour: "#2ca02c", points: pts.filter(p => p.welfare !== null).map(p => [p.tick, p.welfare]) }],
      fromZero: true, cursor, empty: "n/a: welfare not computed for this run" });
  }
})();
