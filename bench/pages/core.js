// Main-thread side of core.html: start the worker, then expose window.benchRun(code).
const files = (new URLSearchParams(location.search).get("files") || "").split(",").filter(Boolean);
const worker = new Worker(new URL("./core_worker.js", import.meta.url), { type: "module" });
const pending = new Map();
let nextId = 0;

worker.onmessage = ({ data }) => {
  if (data.type === "ready") {
    document.body.dataset.numpy = data.numpy;
    document.body.dataset.loadMs = String(data.ms);
    document.body.dataset.state = "ready";
  } else if (data.id === undefined) {
    document.body.dataset.error = data.message;
    document.body.dataset.state = "error";
  } else {
    const { resolve, reject } = pending.get(data.id);
    pending.delete(data.id);
    if (data.type === "result") resolve(data.value);
    else reject(new Error(data.message));
  }
};
worker.onerror = (event) => {
  document.body.dataset.error = event.message || "worker failed to start";
  document.body.dataset.state = "error";
};

window.benchRun = (code) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  worker.postMessage({ type: "run", id, code });
});

worker.postMessage({ type: "load", files });
