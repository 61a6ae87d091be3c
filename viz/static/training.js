/* The training replay: draws one recorded step at a time from STEPGRAD_TRAINING (built in
   Python by viz/training.py). Every label is set as text, never as HTML. */
(function () {
  "use strict";
  const D = STEPGRAD_TRAINING;
  const SVG = "http://www.w3.org/2000/svg";
  const root = document.getElementById("sg-training");
  const $ = (id) => document.getElementById(id);
  const slider = $("tv-slider"), play = $("tv-play"), speed = $("tv-speed");
  const fmt = (x) => (x === null || x === undefined) ? "\u2013" :
    (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3)) ? x.toExponential(3) : x.toFixed(4);
  let index = 0, timer = null;

  function el(parent, name, attrs) {
    const node = document.createElementNS(SVG, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    parent.appendChild(node);
    return node;
  }

  /* -- the network: columns of neurons, one line per weight ------------------------------ */
  const net = $("tv-net"), W = 400, H = 300;
  net.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const pos = (layer, k) => {
    const n = D.sizes[layer];
    return [30 + layer * (W - 60) / (D.sizes.length - 1), H / 2 + (k - (n - 1) / 2) * Math.min(16, (H - 30) / n)];
  };
  const edges = [];
  D.where.forEach(([layer, neuron, input], col) => {
    if (input < 0) return;
    const [x1, y1] = pos(layer, input), [x2, y2] = pos(layer + 1, neuron);
    const line = el(net, "line", {x1, y1, x2, y2, class: "tv-edge", "stroke-opacity": 0.8});
    const tip = el(line, "title", {});
    line.addEventListener("mouseenter", () => { $("tv-hover").textContent = tip.textContent; });
    edges.push({line, tip, col, name: `layer ${layer}, neuron ${neuron}, w ${input}`});
  });
  D.sizes.forEach((n, layer) => {
    for (let k = 0; k < n; k++) {
      const [cx, cy] = pos(layer, k);
      el(net, "circle", {cx, cy, r: 4, fill: "#fff", stroke: "#333"});
    }
  });
  const biggest = Math.max(1e-12, ...D.params.flat().map(Math.abs));

  function drawNet() {
    const p = D.params[index], g = D.grads[index] || [];
    for (const e of edges) {
      const w = p[e.col];
      e.line.setAttribute("stroke", w >= 0 ? D.colors[0] : D.colors[1]);
      e.line.setAttribute("stroke-width", (0.3 + 3 * Math.abs(w) / biggest).toFixed(2));
      e.tip.textContent = `${e.name}: w = ${fmt(w)}, gradient = ${fmt(g[e.col])}`;
    }
  }

  /* -- the decision boundary: colour bands of the score, the data on top ----------------- */
  const canvas = $("tv-boundary"), B = D.boundary;
  const frames = B.frames ? B.frames.map((f) => Uint8Array.from(atob(f), (c) => c.charCodeAt(0))) : [];
  function band(level) {
    const t = level < B.bands ? (B.bands - level) / B.bands : (level - B.bands + 1) / B.bands;
    const base = level < B.bands ? [230, 159, 0] : [0, 114, 178];
    return base.map((c) => Math.round(255 - (255 - c) * (0.15 + 0.45 * t)));
  }
  function drawBoundary() {
    if (!B.frames) { canvas.hidden = true; $("tv-why").textContent = B.why; return; }
    const ctx = canvas.getContext("2d"), n = B.grid, cell = canvas.width / n;
    const f = frames[index];
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      ctx.fillStyle = `rgb(${band(f[r * n + c]).join(",")})`;
      ctx.fillRect(c * cell, r * cell, cell + 1, cell + 1);
    }
    const [x0, x1, y0, y1] = B.box;
    B.points.forEach(([x, y], i) => {
      ctx.beginPath();
      ctx.arc((x - x0) / (x1 - x0) * canvas.width, (y1 - y) / (y1 - y0) * canvas.height, 3, 0, 7);
      ctx.fillStyle = B.labels[i] > 0 ? D.colors[0] : D.colors[1];
      ctx.strokeStyle = "#fff";
      ctx.fill(); ctx.stroke();
    });
  }

  /* -- loss and accuracy against step, with a cursor -------------------------------------- */
  const curves = $("tv-curves"), CW = 320, CH = 180, PAD = 24;
  const last = Math.max(1, D.loss.length - 1);
  const xOf = (s) => PAD + s / last * (CW - 2 * PAD);
  function polyline(values, top, color) {
    const pts = values.map((v, s) => v === null ? null : `${xOf(s)},${CH - PAD - v / top * (CH - 2 * PAD)}`);
    el(curves, "polyline", {points: pts.filter(Boolean).join(" "), fill: "none", stroke: color, "stroke-width": 1.5});
  }
  el(curves, "line", {x1: PAD, y1: CH - PAD, x2: CW - PAD, y2: CH - PAD, class: "tv-axis"});
  const finite = D.loss.filter((v) => v !== null);
  polyline(D.loss, Math.max(1e-12, ...finite), "#333");
  if (D.accuracy.length) polyline(D.accuracy, 1, D.colors[0]);
  const legend = el(curves, "text", {x: PAD, y: 14, "font-size": 11});
  legend.textContent = D.accuracy.length ? "loss (black), accuracy (blue, 0 to 100%)" : "loss";
  const cursor = el(curves, "line", {y1: PAD - 6, y2: CH - PAD, class: "tv-cursor"});

  /* -- gradient size per layer (log scale) ------------------------------------------------ */
  const norms = $("tv-norms");
  const allNorms = D.norms.flat().filter((v) => v > 0);
  const lo = Math.log10(Math.min(...allNorms, 1)), hi = Math.log10(Math.max(...allNorms, 1e-12));
  const bars = D.norms[0].map((_, k) => {
    const bw = (CW - 2 * PAD) / D.norms[0].length;
    const rect = el(norms, "rect", {x: PAD + k * bw + 4, width: bw - 8, fill: "#56b4e9"});
    const label = el(norms, "text", {x: PAD + k * bw + 6, y: CH - 6, "font-size": 11});
    label.textContent = `layer ${k}`;
    const value = el(norms, "text", {x: PAD + k * bw + 6, "font-size": 10});
    return {rect, value};
  });
  function drawNorms() {
    D.norms[index].forEach((v, k) => {
      const t = v > 0 && hi > lo ? (Math.log10(v) - lo) / (hi - lo) : 0;
      const h = 4 + t * (CH - 2 * PAD - 20);
      bars[k].rect.setAttribute("y", CH - PAD - h);
      bars[k].rect.setAttribute("height", h);
      bars[k].value.setAttribute("y", CH - PAD - h - 3);
      bars[k].value.textContent = fmt(v);
    });
  }

  /* -- moving through the steps ----------------------------------------------------------- */
  function go(i) {
    index = Math.max(0, Math.min(D.params.length - 1, i | 0));
    const step = D.steps[index];
    slider.value = index;
    drawNet(); drawBoundary(); drawNorms();
    cursor.setAttribute("x1", xOf(step)); cursor.setAttribute("x2", xOf(step));
    const acc = D.accuracy.length ? `, accuracy ${(100 * D.accuracy[step]).toFixed(0)}%` : "";
    $("tv-counter").textContent = `step ${step} of ${D.loss.length - 1}: loss ${fmt(D.loss[step])}${acc}`;
    $("tv-numbers").textContent = `snapshot ${index + 1} of ${D.params.length}`;
    root.dataset.index = index;
    root.dataset.step = step;
    try { history.replaceState(null, "", `#step=${step}`); } catch (e) { /* file: in a frame */ }
  }
  function pause() { clearInterval(timer); timer = null; root.dataset.playing = "false"; play.textContent = "\u25b6 Play"; }
  function start() {
    if (index >= D.params.length - 1) go(0);
    timer = setInterval(() => { if (index >= D.params.length - 1) pause(); else go(index + 1); }, +speed.value);
    root.dataset.playing = "true"; play.textContent = "\u275a\u275a Pause";
  }
  const toggle = () => (timer ? pause() : start());
  play.addEventListener("click", () => { toggle(); root.focus(); });
  speed.addEventListener("change", () => { if (timer) { pause(); start(); } root.focus(); });
  slider.addEventListener("input", () => go(+slider.value));
  document.addEventListener("keydown", (e) => {
    const own = e.target === slider && ["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key);
    if (own || e.target === speed) return;
    const moves = {ArrowLeft: index - 1, ArrowRight: index + 1, Home: 0, End: D.params.length - 1};
    if (e.key in moves) { pause(); go(moves[e.key]); e.preventDefault(); }
    else if (e.key === " ") { toggle(); e.preventDefault(); }
  });
  function fromHash() {
    const m = /^#step=(\d+)$/.exec(location.hash);
    if (!m) return 0;
    const want = +m[1];
    let best = 0;
    D.steps.forEach((s, i) => { if (s <= want) best = i; });
    return best;
  }
  window.addEventListener("hashchange", () => go(fromHash()));

  $("tv-title").textContent = D.title;
  slider.max = D.params.length - 1;
  go(fromHash());
  window.stepgradTraining = {
    go, play: start, pause,
    state: () => ({index, step: D.steps[index], loss: D.loss[D.steps[index]],
                   weights: D.params[index], grads: D.grads[index] || []}),
  };
  root.dataset.ready = "true";
})();
