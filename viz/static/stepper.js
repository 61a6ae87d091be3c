/* stepgrad backprop stepper: walks the embedded trace over the graphviz drawing.
   Called as stepgradStepper(prefix, standalone) by the page's inline script. Every word it shows
   comes from Python (viz/narrate.py) in the page's JSON, one entry of D.pages per page step; this
   script only places them. Data from the trace is only ever written with textContent.
   Page steps: 0 = only the leaves are known; 1..F = forward, one op node each (walk order);
   F + 1 = the seed gradient; F + 2 + k = backward step k (steps into constants are not shown).
   Each step is drawn by three functions: showCells (numbers in the drawing), showWords (the
   narration and the chain-rule card) and highlight (the active node, edge and operands). */
function stepgradStepper(prefix, standalone) {
  "use strict";
  const byId = (suffix) => document.getElementById(prefix + suffix);
  const root = byId("root");
  const D = JSON.parse(byId("data").textContent);
  // non-finite numbers travel as the strings "Infinity", "-Infinity", "NaN" (JSON has none)
  const num = (v) => (typeof v === "string" ? Number(v) : v);
  const nodes = D.nodes;
  const steps = D.steps;
  const fwd = D.forward;
  const N = nodes.length;
  const F = fwd.length;
  const LAST = D.pages.length - 1;
  const seed = num(D.seed);
  const MIN_ZOOM = 0.65; // the drawing's 11pt text stays at least 9.5 px high
  for (const n of nodes) n.data = num(n.data);
  for (const s of steps) s.after = num(s.after);

  const lastText = (el) => {
    if (!el) return null;
    const texts = el.getElementsByTagName("text");
    return texts[texts.length - 1];
  };
  // constants are drawn as their number: they have no data or grad cell (null here)
  const nodeEl = [];
  const dataCell = [];
  const gradCell = [];
  const gradGroup = [];
  for (let i = 0; i < N; i++) {
    nodeEl.push(byId("n" + i));
    dataCell.push(lastText(byId("d" + i)));
    gradGroup.push(byId("g" + i));
    gradCell.push(lastText(gradGroup[i]));
  }
  const ui = {};
  for (const name of ["first", "prev", "play", "next", "last", "speed", "slider", "counter",
    "narration", "head", "chain", "local", "upstream", "product", "update", "view", "fit"]) {
    ui[name] = byId(name);
  }
  const svg = ui.view.querySelector("svg");

  // What page step s shows: which op nodes have their data, and which step last set each grad
  // (-1: the seed, -2: none yet). Replayed from the start each time: cheap next to the drawing.
  function target(s) {
    const known = nodes.map((n) => n.op === null);
    for (let k = 0; k < Math.min(s, F); k++) known[fwd[k]] = true;
    const from = new Array(N).fill(-2);
    if (s > F) from[D.root] = -1;
    for (let k = 0; k < s - F - 1; k++) from[steps[k].operand] = k;
    return { known, from };
  }
  const gradOf = (from) => (from === -2 ? null : from === -1 ? seed : steps[from].after);
  const gradText = (from) => (from === -2 ? D.dash : from === -1 ? D.seedText : steps[from].afterText);

  let step = -1;
  let shown = { known: [], from: [] };
  let lit = [];
  let timer = null;

  function phaseOf(s) {
    if (s === 0) return "start";
    if (s <= F) return "forward";
    return s === F + 1 ? "seed" : "backward";
  }

  // exercise mode (exercise.js): limit() caps the reachable step, after(s) redraws over step s
  const hooks = { limit: null, after: null };

  function go(n) {
    const s = Math.max(0, Math.min(LAST, hooks.limit ? hooks.limit() : LAST,
      Math.trunc(Number(n)) || 0));
    showCells(target(s));
    step = s;
    showWords(D.pages[s]);
    highlight(s);
    root.dataset.step = String(s);
    root.dataset.phase = phaseOf(s);
    root.dataset.traceStep = s >= F + 2 ? String(steps[s - F - 2].index) : "";
    ui.slider.value = String(s);
    ui.slider.setAttribute("aria-valuetext", `step ${s} of ${LAST}, ${phaseOf(s)}`);
    ui.counter.textContent = `step ${s} / ${LAST}`;
    for (const [name, off] of [["first", s === 0], ["prev", s === 0], ["next", s === LAST],
      ["last", s === LAST]]) {
      // a focused button that becomes disabled would drop the focus, and with it the keys
      if (off && document.activeElement === ui[name]) root.focus();
      ui[name].disabled = off;
    }
    if (standalone) {
      try {
        history.replaceState(null, "", "#step=" + s);
      } catch (e) {
        // some browsers refuse history changes on file:// pages; the deep link is a nicety
      }
    }
    if (s === LAST) pause();
    if (hooks.after) hooks.after(s);
    return s;
  }

  // The numbers in the drawing's cells: data once the forward pass reaches a node, grads as
  // the backward pass sets them. Only cells that change are written.
  function showCells(t) {
    for (let i = 0; i < N; i++) {
      if (dataCell[i] && t.known[i] !== shown.known[i]) {
        dataCell[i].textContent = D.dataPrefix + (t.known[i] ? nodes[i].dataText : D.unknown);
        nodeEl[i].classList.toggle("sg-pending", !t.known[i]);
      }
      if (gradCell[i] && t.from[i] !== shown.from[i]) {
        gradCell[i].textContent = D.gradPrefix + gradText(t.from[i]);
      }
    }
    shown = t;
  }

  // The narration line and the chain-rule card: words from Python, placed as they are.
  function showWords(words) {
    ui.head.textContent = words.head;
    ui.narration.textContent = words.line;
    let rows = 0;
    for (const key of ["local", "upstream", "product", "update"]) {
      const text = words.rows[key] || "";
      ui[key].textContent = text;
      ui[key].parentNode.hidden = text === "";
      rows += text === "" ? 0 : 1;
    }
    ui.chain.hidden = rows === 0;
  }

  function light(el, cls) {
    if (el) {
      el.classList.add(cls);
      lit.push([el, cls]);
    }
  }

  // The active node and edge, its operands (forward) or the operand it feeds (backward).
  function highlight(s) {
    for (const [el, cls] of lit) el.classList.remove(cls);
    lit = [];
    if (s === 0) return;
    if (s <= F) {
      const i = fwd[s - 1];
      light(nodeEl[i], "sg-active");
      nodes[i].parents.forEach((p, slot) => {
        light(byId(`e${i}_${slot}`), "sg-edge-active");
        light(nodeEl[p], "sg-target");
      });
      if (dataCell[i]) light(dataCell[i].parentNode, "sg-fresh");
    } else if (s === F + 1) {
      light(nodeEl[D.root], "sg-active");
      light(gradGroup[D.root], "sg-fresh");
    } else {
      const st = steps[s - F - 2];
      light(nodeEl[st.node], "sg-active");
      light(byId(`e${st.node}_${st.slot}`), "sg-edge-active");
      light(nodeEl[st.operand], "sg-target");
      light(gradGroup[st.operand], "sg-fresh");
    }
    // keep the active node and its operand in view together when they fit
    reveal(lit.filter(([, cls]) => cls !== "sg-fresh").map(([el]) => el));
  }

  // Scroll the drawing so that the elements are in view, the first one at least when they do
  // not all fit; a page of its own then scrolls itself if the drawing is partly off screen.
  function reveal(els) {
    if (!els.length) return;
    const boxes = els.map((el) => el.getBoundingClientRect());
    const view = ui.view.getBoundingClientRect();
    const pad = 24;
    const want = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
    for (const b of boxes) {
      want.left = Math.min(want.left, b.left);
      want.top = Math.min(want.top, b.top);
      want.right = Math.max(want.right, b.right);
      want.bottom = Math.max(want.bottom, b.bottom);
    }
    const shift = (lo, hi, viewLo, viewHi, firstLo, firstHi) => {
      if (lo >= viewLo && hi <= viewHi) return 0;
      if (hi - lo + 2 * pad > viewHi - viewLo) { // too big: the first, centred if it fits
        return (firstLo + firstHi) / 2 - (viewLo + viewHi) / 2;
      }
      return lo < viewLo ? lo - viewLo - pad : hi - viewHi + pad;
    };
    const b0 = boxes[0];
    ui.view.scrollLeft += shift(want.left, want.right, view.left, view.right, b0.left, b0.right);
    ui.view.scrollTop += shift(want.top, want.bottom, view.top, view.bottom, b0.top, b0.bottom);
    if (standalone) {
      const b = els[0].getBoundingClientRect();
      if (b.top < 0 || b.bottom > window.innerHeight || b.left < 0 || b.right > window.innerWidth) {
        els[0].scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    }
  }

  // Zoom: "fitted" shrinks the drawing to the space it has, but never below MIN_ZOOM (then the
  // drawing pans to the active node); otherwise it is shown at full size.
  const natural = (() => {
    const unit = (attr) => {
      const v = svg.getAttribute(attr) || "";
      return parseFloat(v) * (v.endsWith("pt") ? 4 / 3 : 1);
    };
    return { width: unit("width"), height: unit("height") };
  })();
  let fitted = true;
  function zoom() {
    let z = 1;
    if (fitted) {
      const style = getComputedStyle(ui.view);
      const maxH = standalone ? ui.view.clientHeight : parseFloat(style.maxHeight) || Infinity;
      z = Math.min(1, ui.view.clientWidth / natural.width, (maxH - 2) / natural.height);
      z = Math.max(MIN_ZOOM, z);
    }
    svg.style.width = `${natural.width * z}px`;
    svg.style.height = `${natural.height * z}px`;
    ui.fit.setAttribute("aria-pressed", String(fitted));
    root.dataset.zoom = z.toFixed(3);
    if (step >= 0) highlight(step);
  }

  function play() {
    if (timer !== null) return;
    if (step >= LAST) go(0);
    timer = setInterval(() => go(step + 1), Number(ui.speed.value));
    ui.play.setAttribute("aria-pressed", "true");
    ui.play.textContent = "\u2016 Pause";
  }
  function pause() {
    if (timer === null) return;
    clearInterval(timer);
    timer = null;
    ui.play.setAttribute("aria-pressed", "false");
    ui.play.textContent = "\u25b6 Play";
  }
  const toggle = () => (timer === null ? play() : pause());
  const next = () => go(step + 1);
  const prev = () => go(step - 1);
  const first = () => go(0);
  const last = () => go(LAST);

  // after a click the keys go back to the stepper, so Space plays rather than clicking again
  const refocus = () => root.focus({ preventScroll: true });
  ui.first.addEventListener("click", () => { pause(); first(); refocus(); });
  ui.prev.addEventListener("click", () => { pause(); prev(); refocus(); });
  ui.next.addEventListener("click", () => { pause(); next(); refocus(); });
  ui.last.addEventListener("click", () => { pause(); last(); refocus(); });
  ui.play.addEventListener("click", () => { toggle(); refocus(); });
  ui.slider.addEventListener("input", () => { pause(); go(ui.slider.value); });
  ui.speed.addEventListener("change", () => {
    if (timer !== null) { pause(); play(); }
  });
  ui.fit.addEventListener("click", () => {
    fitted = !fitted;
    zoom();
    refocus();
  });
  window.addEventListener("resize", () => { if (fitted) zoom(); });

  const keys = { ArrowRight: next, ArrowLeft: prev, Home: first, End: last, " ": toggle };
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const tag = e.target && e.target.tagName;
    // the slider and the speed menu handle their own arrows, a button its Enter; Space plays
    // and pauses everywhere but in the menu and a text box (on a button it would click it again)
    if (tag === "SELECT" || tag === "TEXTAREA") return;
    if (tag === "INPUT" && (e.key !== " " || e.target.type !== "range")) return;
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    e.stopPropagation();
    if (action !== toggle) pause();
    action();
  }
  // a page of its own takes keys anywhere; inside a notebook only while the stepper has focus
  (standalone ? document : root).addEventListener("keydown", onKey);

  function fromHash() {
    const m = /^#step=(\d+)$/.exec(location.hash);
    if (m) go(Number(m[1]));
    return m !== null;
  }
  if (standalone) window.addEventListener("hashchange", fromHash);
  zoom();
  if (!(standalone && fromHash())) go(0);

  const api = {
    go,
    next,
    prev,
    first,
    last,
    play,
    pause,
    length: LAST,
    forwardSteps: F,
    hooks,
    state() {
      return {
        step,
        last: LAST,
        phase: phaseOf(step),
        traceStep: step >= F + 2 ? steps[step - F - 2].index : null,
        playing: timer !== null,
        zoom: Number(root.dataset.zoom),
        data: nodes.map((n, i) => (shown.known[i] ? n.data : null)),
        grads: shown.from.map(gradOf),
      };
    },
  };
  window.stepgrad = window.stepgrad || {};
  window.stepgrad[prefix] = api;
  root.dataset.ready = "true";
  return api;
}
