// Worker side of core.html: Pyodide + numpy from static/vendor/, the listed Python files copied
// into /home/pyodide (on sys.path), then each "run" message's code executed.
import { loadPyodide } from "/static/vendor/pyodide/pyodide.mjs";

const HOME = "/home/pyodide";
let pyodide = null;

async function load(files) {
  const start = performance.now();
  pyodide = await loadPyodide({ indexURL: new URL("/static/vendor/pyodide/", self.location).href });
  await pyodide.loadPackage("numpy");
  for (const path of files) {
    const response = await fetch(new URL("/" + path, self.location));
    if (!response.ok) throw new Error(`cannot fetch ${path}: HTTP ${response.status}`);
    const dir = path.split("/").slice(0, -1).join("/");
    if (dir) pyodide.FS.mkdirTree(`${HOME}/${dir}`);
    pyodide.FS.writeFile(`${HOME}/${path}`, await response.text());
  }
  const numpy = pyodide.runPython(
    `import sys\nif "${HOME}" not in sys.path: sys.path.insert(0, "${HOME}")\n` +
    "import numpy, nn\nnumpy.__version__");
  self.postMessage({ type: "ready", numpy, ms: performance.now() - start });
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === "load") {
      await load(data.files);
    } else if (data.type === "run") {
      const value = await pyodide.runPythonAsync(data.code);
      self.postMessage({ type: "result", id: data.id, value });
    }
  } catch (err) {
    self.postMessage({ type: "error", id: data.id, message: String(err) });
  }
};
