// Watchdog: a dead Python interpreter is never silent.
//
// Two ways the page's Python can die without a word, and what catches each:
// - Pyodide reports a fatal error (e.g. its WebAssembly stack overflowed): nnpage/main.py hands
//   the runtime to nnWatchdog.attach(), which sets Pyodide's on_fatal hook.
// - The Python frame loop stops (an exception every frame, or a callback that never returns):
//   every finished Python frame counts up window.nnStats.frames (nnpage/stats.py); this script
//   counts animation frames, and when MISSED_FRAMES of them pass without a finished Python frame
//   while the app is ready or training, it reports. A hidden tab runs no frames, so it never
//   counts there; a blocked main thread runs none either.
// Either way the role="alert" element says what happened and that a reload restores the work
// (the network is saved in this browser as it learns; nnpage/autosave.py), and body[data-state]
// becomes "error". Plain JavaScript, so it works when Python cannot.
"use strict";
(() => {
  const MISSED_FRAMES = 180; // about 3 s at 60 frames per second
  const RELOAD = " Reload the page to go on: your network is saved in this browser and the" +
    " reload restores it.";
  let seen = -1;
  let missed = 0;
  let dead = false;

  function die(kind, what) {
    if (dead) return;
    dead = true;
    const box = document.getElementById("alert");
    const text = document.getElementById("alert-text");
    if (text) text.textContent = what + RELOAD;
    if (box) box.hidden = false;
    document.body.dataset.failure = kind;
    document.body.dataset.state = "error";
  }

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
    // The Pyodide instance (pyodide_js in Python): report its fatal errors here.
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
    get dead() { return dead; },
  };
})();
