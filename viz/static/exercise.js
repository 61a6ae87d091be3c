/* stepgrad exercise mode: the learner types each gradient of the backward pass.
   Called as stepgradExercise(prefix, api) with the api stepgradStepper returned. The forward
   pass plays as usual; at each backward step the operand's new gradient is hidden (drawing,
   card, narration) until the learner types it. The page only compares numbers: the answers,
   hints and the classic mistakes (value -> words) come from Python (autograd.by_hand), in the
   page's JSON under "exercise". Text is only ever written with textContent. */
function stepgradExercise(prefix, api) {
  "use strict";
  const byId = (suffix) => document.getElementById(prefix + suffix);
  const root = byId("root");
  const D = JSON.parse(byId("data").textContent);
  const X = D.exercise;
  const F = api.forwardSteps;
  const B = D.steps.length;
  const ui = {};
  for (const name of ["exercise", "prompt", "answer", "check", "hint", "reveal", "feedback",
    "score", "head", "local", "product", "update", "narration"]) {
    ui[name] = byId(name);
  }
  const lastText = (el) => {
    const texts = el.getElementsByTagName("text");
    return texts[texts.length - 1];
  };
  const work = X.steps.map(() => ({ done: false, missed: false, tries: 0, hints: 0 }));
  const asked = X.steps.length;
  let current = -1; // the trace step on screen while it waits for its answer, else -1
  let hidden = []; // [element, the stepper's text, the text shown instead]

  const firstOpen = () => {
    const k = work.findIndex((w) => !w.done);
    return k < 0 ? B : k;
  };
  const close = (a, b) => Math.abs(a - b) <= Math.max(X.relTol * Math.max(Math.abs(a), Math.abs(b)),
    X.absTol);
  const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?$/;

  // The same answers as the terminal quiz accepts: -1.5, 1/2, .5, 2e-3. Never evaluated.
  function parse(text) {
    const t = text.trim().replace(/\u2212/g, "-");
    if (!t) return { error: `empty answer: type ${X.examples}` };
    const cut = t.indexOf("/");
    const parts = cut < 0 ? [t] : [t.slice(0, cut).trim(), t.slice(cut + 1).trim()];
    if (t.length > 40 || !parts.every((p) => NUMBER.test(p))) {
      const shown = t.length <= 40 ? t : t.slice(0, 37) + "...";
      return { error: `'${shown}' is not a number: type ${X.examples}` };
    }
    let value = Number(parts[0]);
    if (parts.length === 2) {
      const bottom = Number(parts[1]);
      if (bottom === 0) return { error: `'${t}' divides by zero: type ${X.examples}` };
      value /= bottom;
    }
    if (!Number.isFinite(value)) return { error: `'${t}' is too large for a gradient` };
    return { value };
  }

  function hide(el, text) {
    if (!el) return;
    hidden.push([el, el.textContent, text]);
    el.textContent = text;
  }
  function unhide() {
    // the stepper rewrites only what changed: a cell it left alone gets its own text back
    for (const [el, original, shown] of hidden) if (el.textContent === shown) el.textContent = original;
    hidden = [];
  }
  const say = (text) => { ui.feedback.textContent = text; };

  function score() {
    const first = work.filter((w) => w.done && !w.missed && w.tries === 0)
      .length;
    const done = firstOpen() === B;
    ui.score.textContent = done
      ? `score: ${first} of ${asked} right first time`
      : `${first} of ${asked} right first time so far`;
    root.dataset.score = done ? `${first}/${asked}` : "";
  }

  // Redraw over page step s: hide what the learner has to find.
  function after(s) {
    unhide();
    const k = s - F - 2;
    ui.exercise.hidden = s < F + 1;
    current = k >= 0 && k < B && !work[k].done ? k : -1;
    root.dataset.exerciseStep = current < 0 ? "" : String(current);
    if (k < 0 || k >= B) {
      ui.prompt.textContent = s < F + 1 ? "" : "the backward pass starts: Next (\u2192) for its first step";
      return;
    }
    const st = D.steps[k];
    const op = D.nodes[st.operand].name;
    const r = D.nodes[D.root].term;
    ui.prompt.textContent = `d${r}/d${D.nodes[st.operand].term} after this step =`;
    if (current < 0) return;
    hide(lastText(byId("g" + st.operand)), D.gradPrefix + "?");
    hide(ui.local, `d${D.nodes[st.node].term}/d${D.nodes[st.operand].term} = ? (Hint)`);
    hide(ui.product, st.upstreamText + " \u00d7 ? = ?");
    hide(ui.update, `grad of ${op}: ${st.beforeText} + ? \u2192 ?`);
    hide(ui.narration, `Backward step ${k + 1} of ${B}: what is the gradient of ${op} after it?`);
    if (api.state().playing) api.pause();
  }

  function check() {
    if (current < 0) {
      api.next();
      return;
    }
    const k = current;
    const got = parse(ui.answer.value);
    if (got.error) {
      say(got.error);
      ui.answer.select(); // typing again replaces it
      return;
    }
    const w = work[k];
    const ex = X.steps[k];
    if (close(got.value, ex.answer)) {
      w.done = true;
      ui.answer.value = "";
      score();
      api.go(F + 3 + k);
      say(`right: ${D.steps[k].afterText}` + (firstOpen() === B ? ". Every gradient is known." : ""));
      return;
    }
    w.tries += 1;
    const guess = ex.guesses.find((g) => close(got.value, g.value));
    say(`wrong: ${guess ? guess.words : X.unknown}. Try again, ask for a hint or reveal.`);
    ui.answer.select();
  }

  function hint() {
    if (current < 0) return;
    const w = work[current];
    say(`hint: ${X.steps[current].hints[Math.min(w.hints, 1)]}`);
    w.hints += 1;
  }

  function reveal() {
    if (current < 0) return;
    const k = current;
    work[k].done = true;
    work[k].missed = true;
    score();
    api.go(F + 2 + k);
    say(`the answer: ${D.steps[k].afterText} (counted as missed). Enter goes on.`);
  }

  ui.check.addEventListener("click", check);
  ui.hint.addEventListener("click", hint);
  ui.reveal.addEventListener("click", reveal);
  ui.answer.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      check();
    } else if (e.key === "Escape") {
      root.focus(); // back to the stepper's keys
    }
  });

  // going on past an unanswered step does nothing: say why
  const blocked = () => {
    if (current >= 0) say("Type this step's gradient first (or Reveal it) to go on.");
  };
  byId("next").addEventListener("click", blocked);
  byId("last").addEventListener("click", blocked);
  document.addEventListener("keydown", (e) => {
    const here = root.contains(e.target) || e.target === document.body; // not another stepper
    if ((e.key === "ArrowRight" || e.key === "End") && here && e.target !== ui.answer) blocked();
  });

  api.hooks.limit = () => F + 2 + firstOpen();
  api.hooks.after = (s) => {
    after(s);
    if (current >= 0 && document.activeElement !== ui.answer) ui.answer.focus();
  };
  api.exercise = {
    state: () => ({ current, work: work.map((w) => ({ ...w })) }),
  };
  score();
  api.go(api.state().step); // the step the page opened on, within the limit
  return api;
}
