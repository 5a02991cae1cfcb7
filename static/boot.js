// Start-up of the page's Python: Pyodide straight from the vendored files, then nnpage/main.py.
//
// The runtime config is the JSON in index.html's <script id="nn-runtime">: the interpreter, the
// packages (numpy, from the vendored pyodide-lock.json) and the files: archives, each unpacked into
// a folder ("<folder>/*"): python.zip (the nn core and the nnpage glue) into the working folder,
// numpy-pyc.zip (numpy's bytecode, tools/pyzip.py) beside numpy's sources. The same config starts
// every worker (nnpage/pretrain.py).
//
// Why not PyScript's <script type="py"> on the main thread: its own start-up (its modules and
// plugins, a config parser, its Python package) comes before and after Pyodide's, and cost the
// page 0.5-1 s over a bare Pyodide + numpy page. Here the archive downloads while Pyodide starts,
// and numpy is fetched as Pyodide starts (loadPyodide's `packages`). The workers still are
// PyScript workers (polyscript's XWorker, `from polyscript import xworker` inside): PyScript is
// imported when the first one is asked for, once the page is ready (window.nnBoot.PyWorker).
//
// An async module (index.html, with a modulepreload of the interpreter): it waits for neither the
// page's other scripts nor the rest of the document; what it needs from the document waits for
// `parsed`. Only the config (a JSON block above it in <head>) is read at once.
//
// Failures before the app says "ready" go to static/watchdog.js (a deferred script: there once
// the document is parsed), which shows why in the alert and sets body[data-state]="error".
//
// Loading steps in #loading-progress (nnpage/main.py sets 3 and 4): 1 the runtime is loading,
// 2 Python is starting the app.
const config = JSON.parse(document.getElementById("nn-runtime").textContent);
const here = (path) => new URL(path, document.baseURI).href;
const parsed = new Promise((resolve) => {
  if (document.readyState !== "loading") resolve();
  else document.addEventListener("DOMContentLoaded", resolve, { once: true });
});

function step(value, text) {
  const bar = document.getElementById("loading-progress");
  document.getElementById("loading-text").textContent = text;
  if (bar) bar.value = value;
}

// Where start-up time goes (bench/browser.py reports the spans between these and main.py's).
const mark = (name) => performance.mark(`nn:${name}`);

// (The watchdog reports it only while the page is still loading: not when main.py has already
// said why the app cannot start.)
async function failed(error) {
  await parsed;
  const reason = String((error && error.message) || error || "unknown").trim().split("\n");
  window.nnWatchdog.failedToStart(reason.filter(Boolean).pop() || "unknown");
}

// --- the PyScript workers -------------------------------------------------------------------------

let xworker = null; // polyscript's XWorker, once PyScript is imported

// PyScript's bundle registers polyscript's public exports (XWorker, Hook, define...) under
// Symbol.for("polyscript"); XWorker creates a worker synchronously, which the page needs: its
// handlers are attached before the worker can send anything. (PyScript's own JS PyWorker
// resolves only once the worker script has run to its end, after the worker's first messages.)
function loadXWorker() {
  xworker ??= import(here("./static/vendor/pyscript/core.js")).then(() => {
    const polyscript = globalThis[Symbol.for("polyscript")];
    if (typeof polyscript?.XWorker !== "function") throw new Error("PyScript has no XWorker");
    return polyscript.XWorker;
  });
  return xworker;
}

// A PyWorker to use at once: postMessage waits for the real worker, terminate() stops it (even
// one still being created), and its message and error events, `onmessage`, `onerror` (called by
// PyScript for failures it catches) and `ready` (the worker script has run to its end) are the
// real worker's. Python calls it with keywords: PyWorker(url, type=..., config=..., version=...).
class PendingWorker extends EventTarget {
  onmessage = null;
  onerror = null;
  #worker = null;
  #queue = [];
  #dead = false;

  constructor(url, options) {
    super();
    this.addEventListener("message", (event) => this.onmessage?.(event));
    let settle;
    this.ready = new Promise((resolve, reject) => (settle = { resolve, reject }));
    this.ready.catch(() => {}); // a failed worker is reported through onerror
    loadXWorker()
      .then((XWorker) => this.#dead || this.#attach(XWorker(url, options), settle))
      .catch((error) => this.onerror?.(new ErrorEvent("error", { error, message: String(error) })));
  }

  #attach(worker, settle) {
    this.#worker = worker;
    worker.onmessage = (event) => this.dispatchEvent(new MessageEvent("message", { data: event.data }));
    worker.onerror = (event) => (this.onerror ? this.onerror(event) : console.error(event.error));
    worker.addEventListener("error", (event) => {
      const { message, filename, lineno, colno, error } = event;
      this.dispatchEvent(new ErrorEvent("error", { message, filename, lineno, colno, error }));
    });
    worker.ready.then(() => settle.resolve(this), settle.reject);
    for (const [message, transfer] of this.#queue.splice(0)) worker.postMessage(message, transfer);
  }

  postMessage(message, transfer = []) {
    if (this.#dead) return;
    if (this.#worker) this.#worker.postMessage(message, transfer);
    else this.#queue.push([message, transfer]);
  }

  terminate() {
    this.#dead = true;
    this.#queue.length = 0;
    this.#worker?.terminate();
  }
}

window.nnBoot = {
  config,
  PyWorker(url, options = {}) {
    const { config: cfg, version, type } = options; // (keywords arrive as one object)
    return new PendingWorker(url, { config: cfg, version, type });
  },
};

// --- the page's Python ----------------------------------------------------------------------------

setTimeout(() => {
  const text = document.getElementById("loading-text");
  if (!text) return;
  if (document.body.dataset.state === "loading" && !window.nnWatchdog.dead) {
    text.textContent += " (still working; a first visit downloads the runtime)";
  }
}, 20_000);

try {
  mark("boot");
  parsed.then(() => step(1, "Loading the Python runtime and numpy (Pyodide 0.27.7, about 10 MB)…"));
  const archives = Object.entries(config.files || {}).map(([src, dest]) => {
    if (!dest.endsWith("/*")) throw new Error(`${src}: only archives ("<folder>/*") are supported`);
    const fetched = fetch(here(src)).then((response) => {
      if (!response.ok) throw new Error(`${src}: HTTP ${response.status}`);
      return response.arrayBuffer();
    });
    return fetched.then((buffer) => [buffer, dest.slice(0, -2)]);
  });
  archives.forEach((archive) => archive.catch(() => {})); // awaited (and reported) below
  const interpreter = here(config.interpreter);
  const { loadPyodide } = await import(interpreter);
  const pyodide = await loadPyodide({
    indexURL: interpreter.slice(0, interpreter.lastIndexOf("/") + 1),
    packages: config.packages || [],
  });
  await parsed;
  window.nnWatchdog.attach(pyodide); // from now on a fatal error is reported, never silent
  mark("runtime");
  for (const [buffer, extractDir] of await Promise.all(archives)) {
    pyodide.unpackArchive(buffer, "zip", { extractDir });
  }
  mark("files");
  step(2, "Starting Python…");
  pyodide.pyimport("nnpage.main").destroy(); // main.py builds the app and says "ready"
  if (document.body.dataset.state === "loading") {
    failed("its entry script ended without starting the app");
  }
} catch (error) {
  failed(error);
}
