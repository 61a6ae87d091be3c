/* stepgrad backprop stepper: walks the embedded trace over the graphviz drawing.
   Called as stepgradStepper(prefix, standalone) by the page's inline script. Data from the
   trace (labels, formulas, numbers) is only ever written with textContent, never as HTML.
   Page steps: 0 = only the leaves are known; 1..F = forward, one op node each (walk order);
   F + 1 = the seed gradient; F + 2 + k = trace step k. */
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
  const B = steps.length;
  const LAST = F + 1 + B;
  const seed = num(D.seed);
  for (const n of nodes) n.data = num(n.data);
  for (const s of steps) {
    for (const key of ["local", "upstream", "contribution", "before", "after"]) s[key] = num(s[key]);
  }

  const lastText = (el) => {
    const texts = el.getElementsByTagName("text");
    return texts[texts.length - 1];
  };
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
    "narration", "head", "chain", "local", "upstream", "contribution", "update", "view", "fit"]) {
    ui[name] = byId(name);
  }

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
  const gradText = (from) => (from === -2 ? D.dash : from === -1 ? D.seedText : steps[from].text.after);

  let step = -1;
  let shown = { known: [], from: [] };
  let lit = [];
  let timer = null;

  function light(el, cls) {
    if (el) {
      el.classList.add(cls);
      lit.push([el, cls]);
    }
  }

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
    const t = target(s);
    for (let i = 0; i < N; i++) {
      if (t.known[i] !== shown.known[i]) {
        dataCell[i].textContent = D.dataPrefix + (t.known[i] ? nodes[i].dataText : D.unknown);
        nodeEl[i].classList.toggle("sg-pending", !t.known[i]);
      }
      if (t.from[i] !== shown.from[i]) {
        gradCell[i].textContent = D.gradPrefix + gradText(t.from[i]);
      }
    }
    shown = t;
    step = s;
    for (const [el, cls] of lit) el.classList.remove(cls);
    lit = [];
    describe(s);
    root.dataset.step = String(s);
    root.dataset.phase = phaseOf(s);
    root.dataset.traceStep = s >= F + 2 ? String(s - F - 2) : "";
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

  // The narration line, the chain-rule card and the highlights of page step s.
  function describe(s) {
    const r = nodes[D.root].name;
    const rows = { local: "", upstream: "", contribution: "", update: "" };
    let head;
    let say;
    ui.chain.hidden = true;
    if (s === 0) {
      head = "Start: the inputs are known.";
      say = `Start: ${N - F} input value(s) known. Next runs the forward pass (${F} step(s)), ` +
        `then the backward pass (${B} step(s)).`;
    } else if (s <= F) {
      const i = fwd[s - 1];
      const node = nodes[i];
      const sum = `${node.name} = ${node.expr} = ${node.calc} = ${node.dataText}`;
      head = `Forward ${s} of ${F}: ${sum}`;
      // the narration stays short: a long formula (a dot node's) is in the heading only
      say = sum.length <= 120 ? `Forward step ${s} of ${F}: ${sum}.` :
        `Forward step ${s} of ${F}: ${node.name} = ${node.dataText}, from ${node.parents.length} operands.`;
      light(nodeEl[i], "sg-active");
      for (let slot = 0; slot < node.parents.length; slot++) {
        light(byId(`e${i}_${slot}`), "sg-edge-active");
        light(nodeEl[node.parents[slot]], "sg-target");
      }
      light(dataCell[i].parentNode, "sg-fresh");
    } else if (s === F + 1) {
      const rt = nodes[D.root].term;
      head = `Backward pass starts at ${r}: \u2202${rt}/\u2202${rt} = ${D.seedText} (the seed)`;
      say = `Backward pass starts: the gradient of ${r} with respect to itself is ${D.seedText}.`;
      ui.chain.hidden = false;
      rows.update = `grad of ${r}: ${D.dash} \u2192 ${D.seedText}`;
      light(nodeEl[D.root], "sg-active");
      light(gradGroup[D.root], "sg-fresh");
    } else {
      const k = s - F - 2;
      const st = steps[k];
      const node = nodes[st.node];
      const op = nodes[st.operand].name;
      const tx = st.text;
      const which = node.parents.length > 1 ? ` (operand ${st.slot + 1} of ${node.parents.length})` : "";
      head = `Backward ${k + 1} of ${B}: ${node.name} = ${node.expr} \u2192 ${op}${which}`;
      ui.chain.hidden = false;
      rows.local = `\u2202${node.term}/\u2202${nodes[st.operand].term} = ${st.formula} = ${tx.local}`;
      rows.upstream = `\u2202${nodes[D.root].term}/\u2202${node.term} = ${tx.upstream}`;
      rows.contribution = `${tx.local} \u00d7 ${tx.upstream} = ${tx.contribution}`;
      rows.update = `grad of ${op}: ${tx.before} + ${tx.contribution} \u2192 ${tx.after}`;
      say = `Backward step ${k + 1} of ${B}: ${node.name} passes ${tx.contribution} to ${op}: ` +
        `local derivative ${st.formula} = ${tx.local} times upstream gradient ${tx.upstream}. ` +
        `Grad of ${op} goes from ${tx.before} to ${tx.after}.`;
      light(nodeEl[st.node], "sg-active");
      light(byId(`e${st.node}_${st.slot}`), "sg-edge-active");
      light(nodeEl[st.operand], "sg-target");
      light(gradGroup[st.operand], "sg-fresh");
    }
    if (s === LAST && s > 0) say += " Done: every gradient is known.";
    ui.head.textContent = head;
    for (const key of Object.keys(rows)) ui[key].textContent = rows[key];
    ui.narration.textContent = say;
    // keep the active node and its operand in view together when they fit
    const boxes = lit.filter(([, cls]) => cls !== "sg-fresh").map(([el]) => el.getBoundingClientRect());
    if (boxes.length) reveal(boxes);
  }

  // Scroll the drawing (only the drawing, never the page) so that the boxes are in view, the
  // first one at least when they do not all fit.
  function reveal(boxes) {
    const view = ui.view.getBoundingClientRect();
    const pad = 24;
    const want = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
    for (const b of boxes) {
      want.left = Math.min(want.left, b.left);
      want.top = Math.min(want.top, b.top);
      want.right = Math.max(want.right, b.right);
      want.bottom = Math.max(want.bottom, b.bottom);
    }
    const shift = (lo, hi, viewLo, viewHi, firstLo) => {
      if (lo >= viewLo && hi <= viewHi) return 0;
      if (hi - lo + 2 * pad > viewHi - viewLo) return firstLo - viewLo - pad; // too big: the first
      return lo < viewLo ? lo - viewLo - pad : hi - viewHi + pad;
    };
    ui.view.scrollLeft += shift(want.left, want.right, view.left, view.right, boxes[0].left);
    ui.view.scrollTop += shift(want.top, want.bottom, view.top, view.bottom, boxes[0].top);
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
    const on = ui.view.classList.toggle("sg-fit");
    ui.fit.setAttribute("aria-pressed", String(on));
    refocus();
  });

  const keys = { ArrowRight: next, ArrowLeft: prev, Home: first, End: last, " ": toggle };
  function onKey(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const tag = e.target && e.target.tagName;
    // the slider and the speed menu handle their own keys; a button handles space and Enter
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    if (tag === "BUTTON" && (e.key === " " || e.key === "Enter")) return;
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
        traceStep: step >= F + 2 ? step - F - 2 : null,
        playing: timer !== null,
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
