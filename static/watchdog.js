// Watchdog: a dead Python interpreter is never silent.
//
// Three ways the page's Python can die without a word, and what catches each:
// - Start-up fails before nnpage/main.py can say "ready" (a damaged or missing download, a
//   syntax error): static/boot.js catches it and calls nnWatchdog.failedToStart() with the
//   reason (a Python traceback's last line); any other uncaught error or promise rejection while
//   body[data-state] is "loading" is reported the same way.
// - Pyodide reports a fatal error (e.g. its WebAssembly stack overflowed): static/boot.js hands
//   the runtime to nnWatchdog.attach() as soon as it is loaded, which sets Pyodide's on_fatal
//   hook.
// - The Python frame loop stops (an exception every frame, or a callback that never returns):
//   every finished Python frame counts up window.nnStats.frames (nnpage/stats.py); this script
//   counts animation frames, and when MISSED_FRAMES of them pass without a finished Python frame
//   while the app is ready or training, it reports. A hidden tab runs no frames, so it never
//   counts there; a blocked main thread runs none either.
// Either way the role="alert" element says what happened and what a reload does: it restores the
// work when body[data-saving] is "on" (nnpage/saving.py saves the networks as they learn), and
// says it starts a new network when saving is off; body[data-state] becomes "error", and the
// dimmed app becomes inert (its controls no longer work). Plain JavaScript, so it works when
// Python cannot.
"use strict";
(() => {
  const MISSED_FRAMES = 180; // about 3 s at 60 frames per second
  const RELOAD = {
    on: " Reload the page to go on: your network is saved in this browser as it learns, and" +
      " the reload restores it.",
    off: " Reload the page to go on; saving is off in this browser, so the reload starts a new" +
      " network.",
    loading: " Reload the page to try again.",
  };
  let seen = -1;
  let missed = 0;
  let dead = false;

  function die(kind, what) {
    if (dead) return;
    dead = true;
    const body = document.body;
    const starting = body.dataset.state === "loading";
    const reload = starting ? RELOAD.loading : RELOAD[body.dataset.saving] || RELOAD.off;
    const box = document.getElementById("alert");
    const text = document.getElementById("alert-text");
    if (text) text.textContent = what + reload;
    if (box) box.hidden = false;
    const loading = document.getElementById("loading");
    if (starting && loading) loading.hidden = true; // no spinner for a start that has ended
    // The dimmed app is dead: out of the Tab order and of what assistive technology reads.
    // (Its parts, not <main>: the page keeps its main landmark.)
    for (const part of document.querySelectorAll("main.app > *")) part.inert = true;
    body.dataset.failure = kind;
    body.dataset.state = "error";
  }

  // --- start-up ----------------------------------------------------------------------------------

  const loading = () => !dead && document.body && document.body.dataset.state === "loading";

  function reasonOf(value) {
    // A PythonError's message is the whole traceback: its last line names the exception.
    const text = String((value && (value.message || value.reason)) || value || "").trim();
    const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
    return (lines[lines.length - 1] || "unknown").slice(0, 300);
  }

  function failedToStart(reason) {
    die("startup", `The page's Python could not start (${reason}).`);
  }

  addEventListener("error", (event) => {
    if (loading()) failedToStart(reasonOf(event.error || event.message));
  });
  addEventListener("unhandledrejection", (event) => {
    if (loading()) failedToStart(reasonOf(event.reason));
  });
  // --- the frame loop ----------------------------------------------------------------------------

  function frame() {
    if (dead) return;
    const state = document.body.dataset.state;
    const stats = window.nnStats;
    if (stats && (state === "ready" || state === "training")) {
      if (stats.frames !== seen) {
        seen = stats.frames;
        missed = 0;
      } else if (++missed >= MISSED_FRAMES) {
        die("frame-loop", "The page's Python stopped running its animation loop (the browser" +
          " console says why), so the circle no longer learns.");
        return;
      }
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);

  window.nnWatchdog = {
    // The Pyodide instance (static/boot.js hands it over): report its fatal errors here.
    attach(pyodide) {
      const api = pyodide && pyodide._api;
      if (!api) return false;
      const previous = api.on_fatal;
      api.on_fatal = (error) => {
        const reason = (error && (error.message || String(error))) || "unknown";
        die("fatal", `The Python interpreter crashed (Pyodide reported a fatal error: ${
          reason.split("\n")[0]}).`);
        if (typeof previous === "function") previous(error);
      };
      return true;
    },
    // static/boot.js: the runtime or the entry script failed before the app said "ready".
    failedToStart(reason) {
      if (loading()) failedToStart(reason);
    },
    get dead() { return dead; },
  };
})();
