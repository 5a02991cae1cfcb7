// Loading progress before Python runs: PyScript reports its steps as "py:progress" events on window.
// Once Python starts, nnpage/main.py takes over #loading-text and finally hides #loading.
"use strict";
(() => {
  const STEPS = {
    "Loading Pyodide": [1, "Loading the Python runtime and numpy (Pyodide 0.27.7, about 10 MB)…"],
    "Loaded Pyodide": [2, "Starting Python…"],
  };
  addEventListener("py:progress", (event) => {
    const step = STEPS[event.detail];
    const text = document.getElementById("loading-text");
    const bar = document.getElementById("loading-progress");
    if (!step || !text || document.body.dataset.state !== "loading") return;
    if (bar && step[0] > bar.value) bar.value = step[0];
    text.textContent = step[1];
  });
  setTimeout(() => {
    const text = document.getElementById("loading-text");
    if (text && document.body.dataset.state === "loading") {
      text.textContent += " (still working; a first visit downloads the runtime)";
    }
  }, 20000);
})();
