"""Hostile files, links and worker messages: each gets an alert naming the problem, and afterwards
the page is fully alive (a valid import succeeds, live learning goes on, the worker still trains).

One test per hostile class and entry point group: model files (picker and drop) and dataset files
on the main thread; messages to the worker and from it; shared links. The hostile inputs are
generated here: deep nesting (the 200 kB file that used to kill Pyodide), huge arrays, huge
objects, huge strings, numbers beyond float range, wrong types at every level, bytes that are not
UTF-8, empty files, and files at (accepted) and just past (refused) the size limit.
"""

from __future__ import annotations

import base64
import json

import pytest

from nn import Network
from nn.defaults import DATASET_MAX_BYTES, MESSAGE_MAX_BYTES, MODEL_MAX_BYTES
from nnpage.linkstate import MAX_LENGTH as LINK_LIMIT

from .helpers import (
    RUN_TIMEOUT_MS,
    alert_text,
    model,
    move_pointer,
    open_app,
    open_with_worker,
    pretrain_generated,
    read_stage,
)

LAYERS = [2, 6, 6, 6, 2]


def good_model(seed: int = 5) -> dict:
    return Network(LAYERS, activation="tanh", seed=seed).export()


def model_bytes(**changes) -> bytes:
    return json.dumps({**good_model(), **changes}).encode()


def padded(data: bytes, size: int) -> bytes:
    """Valid JSON followed by white space, ``size`` bytes in all."""
    return data + b" " * (size - len(data))


def dataset_bytes(inputs, targets=None) -> bytes:
    targets = inputs if targets is None else targets
    return json.dumps({"format_version": 1, "inputs": inputs, "targets": targets}).encode()


BINARY = bytes(range(256)) * 64  # 16 kB of every byte value: not UTF-8 (0x80-0xff alone)
BIG = "__BIG__"  # stands for a number beyond float range (json.dumps cannot write one)

# class -> [(model file, what the alert names)], [(dataset file, what the alert names)]
FILES: dict[str, tuple[list[tuple[bytes, str]], list[tuple[bytes, str]]]] = {
    "deep nesting": (
        [(b"[" * 200_000, "nested 200,000 deep"), (b'{"a":' * 100_000, "nested 100,000 deep")],
        [(b"[" * 200_000, "nested 200,000 deep")],
    ),
    "huge array": (
        [(model_bytes(weights=[0.5] * 600_000), "weights must be a list of 4 matrices")],
        [(dataset_bytes([0.5] * 600_000), "inputs[0] must be a list")],
    ),
    "huge object": (
        [(model_bytes(params={f"k{i}": i for i in range(100_000)}), "unknown field")],
        [(json.dumps({f"k{i}": i for i in range(100_000)}).encode(), "exactly the fields")],
    ),
    "huge string": (
        [(model_bytes(kind="x" * 300_000), "a string of 300,000 characters")],
        [(dataset_bytes("y" * 300_000), "a string of 300,000 characters")],
    ),
    "beyond float range": (
        [
            (
                model_bytes(biases=[[BIG] + [0] * 5, [0] * 6, [0] * 6, [0, 0]]).replace(
                    b'"__BIG__"', b"1e999"
                ),
                "biases[0][0] must be a finite number, got inf",
            ),
            (
                model_bytes(format_version=BIG).replace(b'"__BIG__"', b"-1e400"),
                "format_version must be 1, got -inf",
            ),
        ],
        [(dataset_bytes([[BIG, 0]]).replace(b'"__BIG__"', b"-1e999"), "got -inf")],
    ),
    "wrong types": (
        [
            (b"[1, 2, 3]", "model must be an object"),
            (model_bytes(format_version="1"), "format_version must be 1"),
            (model_bytes(params=[2, 6, 2]), "params must be an object"),
            (model_bytes(params={"layers": "2-6-2"}), "layers must be a list"),
            (model_bytes(params={"layers": LAYERS, "bias": "yes"}), "bias must be true or false"),
            (model_bytes(weights={"0": 1}), "weights must be a list"),
            (model_bytes(weights=[[[0] * 6, [0] * 5 + ["0"]]]), "weights"),
            (model_bytes(biases=None), "biases must be a list"),
        ],
        [
            (b'"inputs"', "must be a JSON object or list"),
            (dataset_bytes([[0, True]]), "inputs[0][1] must be a number"),
            (dataset_bytes({"x": 0}), "inputs must be a list"),
        ],
    ),
    "not UTF-8": (
        [(BINARY, "not UTF-8"), (b'{"format_version": "\xff\xfe"}', "not UTF-8")],
        [(BINARY, "not UTF-8"), (b"input_0,input_1,target_0,target_1\n\xc3\x28,0,0,0\n", "UTF-8")],
    ),
    "empty": (
        [(b"", "empty"), (b"  \n ", "empty")],
        [(b"", "empty"), (b"\n\n", "empty")],
    ),
    "past the size limit": (
        [(padded(model_bytes(), MODEL_MAX_BYTES + 1), "at most 5 MB")],
        [(padded(dataset_bytes([[0.1, 0.2]]), DATASET_MAX_BYTES + 1), "1 byte to 20 MB")],
    ),
}

PICK = "#model-import"
DROP = """async ([name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, {type: 'application/json'}));
  document.getElementById('stage').dispatchEvent(
    new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
}"""


def _wait_alert(page, timeout: int = 30_000) -> str:
    page.wait_for_selector("#alert:not([hidden])", state="attached", timeout=timeout)
    return alert_text(page)


def _dismiss(page) -> None:
    page.click("#alert-close")
    page.wait_for_selector("#alert[hidden]", state="attached")


def _pick(page, selector: str, name: str, data: bytes) -> None:
    page.set_input_files(selector, files=[{"name": name, "mimeType": "text/plain", "buffer": data}])


def _expect_refused(page, name: str, named: str, before: dict) -> None:
    alert = _wait_alert(page)
    assert repr(name) in alert and named in alert, f"{name}: {alert!r}"
    assert model(page)["weights"] == before["weights"]
    assert page.evaluate("document.body.dataset.state") == "ready"
    _dismiss(page)


def _alive(page, start: int = 0) -> None:
    """A valid model imports, then live learning goes on."""
    good = good_model(seed=11)
    _pick(page, PICK, "good.json", json.dumps(good).encode())
    page.wait_for_function("document.getElementById('status').textContent.includes('good.json')")
    assert model(page)["weights"] == good["weights"]
    page.check("#backprop")
    before = read_stage(page)["iterations"]
    assert move_pointer(page, start, 60)["iterations"] >= before + 60
    assert model(page)["weights"] != good["weights"]
    assert page.evaluate("document.body.dataset.state") == "ready"
    assert alert_text(page) == ""


@pytest.mark.parametrize("kind", list(FILES))
def test_a_hostile_file_is_named_and_the_page_lives_on(app_page, base_url_app, kind):
    """Each hostile model file, picked and dropped, and each hostile dataset file, picked, gives
    an alert naming the file and the problem; the network keeps its weights; then a valid model
    imports and the network learns from the pointer."""
    page = app_page
    open_app(page, base_url_app)
    page.uncheck("#backprop")
    before = model(page)
    models, datasets = FILES[kind]
    for k, (data, named) in enumerate(models):
        _pick(page, PICK, f"picked-{k}.json", data)
        _expect_refused(page, f"picked-{k}.json", named, before)
        if len(data) <= MODEL_MAX_BYTES + 1:
            page.evaluate(DROP, [f"dropped-{k}.json", base64.b64encode(data).decode()])
            _expect_refused(page, f"dropped-{k}.json", named, before)
    for k, (data, named) in enumerate(datasets):
        name = f"data-{k}.csv" if data.startswith(b"input_") else f"data-{k}.json"
        _pick(page, "#dataset-import", name, data)
        _expect_refused(page, name, named, before)
    _alive(page)


def test_a_model_file_at_the_size_limit_is_accepted(app_page, base_url_app):
    """A valid model padded with white space to exactly the limit imports (picked and dropped);
    one byte more is refused."""
    page = app_page
    open_app(page, base_url_app)
    page.uncheck("#backprop")
    good = good_model(seed=2)
    data = padded(json.dumps(good).encode(), MODEL_MAX_BYTES)
    _pick(page, PICK, "at-limit.json", data)
    page.wait_for_function("document.getElementById('status').textContent.includes('at-limit')")
    assert model(page)["weights"] == good["weights"]
    good = good_model(seed=3)
    data = padded(json.dumps(good).encode(), MODEL_MAX_BYTES)
    page.evaluate(DROP, ["dropped-at-limit.json", base64.b64encode(data).decode()])
    page.wait_for_function("document.getElementById('status').textContent.includes('dropped-at')")
    assert model(page)["weights"] == good["weights"]
    _pick(page, PICK, "past.json", data + b" ")
    _expect_refused(page, "past.json", "at most 5 MB", good)
    _alive(page)


# --- worker messages ---------------------------------------------------------------------------

# class -> (message text, what the rejection names). Posted to the worker as text (or as UTF-8
# bytes in a Uint8Array, the way train messages travel), and handed to the page's handler as if
# the worker had sent it.
MESSAGES = {
    "deep nesting": ("[" * 200_000, "nested 200,000 deep"),
    "huge array": (json.dumps({"type": "cancel", "id": [0] * 600_000}), "id must be an integer"),
    "huge object": (
        json.dumps({"type": "warmup", **{f"k{i}": i for i in range(100_000)}}),
        "unknown field",
    ),
    "huge string": (
        json.dumps({"type": "error", "id": None, "message": "m" * 200_000}),
        "string of 200,000 characters",
    ),
    "beyond float range": ('{"type": "cancel", "id": 1e999}', "id must be an integer"),
    "wrong types": ('{"type": ["train"], "id": "1"}', "message type must be one of"),
    "not UTF-8": (b'{"type": "\xff\xfe"}', "not UTF-8"),
    "empty": ("", "message is empty"),
    "past the size limit": (f"' '.repeat({MESSAGE_MAX_BYTES + 1})", "over the limit"),
}
TO_WORKER = """([text, bytes, js]) => {
  const data = js ? eval(text) : bytes ? Uint8Array.from(atob(text), c => c.charCodeAt(0)) : text;
  window.nnPretrain.worker.postMessage(data);
}"""
FROM_WORKER = """([text, bytes, js]) => {
  let data = js ? eval(text) : text;
  if (bytes) data = atob(text).replace(/[\\x80-\\xff]/g, '\\ufffd');  // as the decoder makes it
  window.nnPretrain.worker.onmessage({data});
}"""


def _message_args(kind: str) -> list:
    text, _ = MESSAGES[kind]
    if isinstance(text, bytes):
        return [base64.b64encode(text).decode(), True, False]
    return [text, False, kind == "past the size limit"]


@pytest.mark.parametrize("kind", list(MESSAGES))
def test_a_hostile_worker_message_is_named_and_training_goes_on(app_page, base_url_app, kind):
    """To the worker: it answers with an error naming the problem (shown in the alert) and then
    still trains. From the worker: the page names the problem, drops that worker, keeps the
    network's weights and goes on learning; the next pre-training starts a fresh worker."""
    page = app_page
    _, named = MESSAGES[kind]
    open_with_worker(page, base_url_app)
    args = _message_args(kind)
    page.evaluate(TO_WORKER, args)
    alert = _wait_alert(page, timeout=RUN_TIMEOUT_MS)
    assert "the worker rejected a message" in alert and named in alert, alert
    _dismiss(page)
    assert pretrain_generated(page, epochs=20, target="")["epochs_done"] == 20

    before = model(page)
    page.evaluate(FROM_WORKER, args)
    alert = _wait_alert(page)
    assert "malformed message" in alert and named in alert, alert
    assert model(page)["weights"] == before["weights"]
    _dismiss(page)
    start = read_stage(page)["iterations"]
    assert move_pointer(page, 0, 60)["iterations"] >= start + 60
    assert pretrain_generated(page, epochs=5, target="")["epochs_done"] == 5
    assert alert_text(page) == ""


# --- links -------------------------------------------------------------------------------------

LINKS = {
    "deep nesting": ("layers=" + "%5B" * 140 + "2-6-2" + "%5D" * 140, "Layers '[[[["),
    "huge string": ("layers=2-6-2&activation=" + "x" * 100_000, "characters long"),
    "beyond float range": ("lr=1e999&seed=1e999", "not a finite number"),
    "wrong types": ("bias=maybe&norm=[1]&layers={}&dropout=true", "Bias 'maybe'"),
    "not UTF-8": ("activation=%FF%FE%00&optimizer=%C3%28", "Activation"),
    "empty": ("layers=&lr=&=&&", "Layers ''"),
    "past the size limit": ("seed=1&x=" + "a" * 1000, "over the 1,000"),
}


@pytest.mark.parametrize("kind", list(LINKS))
def test_a_hostile_link_is_named_and_the_page_lives_on(app_page, base_url_app, kind):
    """Opening the page with a hostile link: it reaches ready on the defaults, the alert names
    what could not be used, and the page imports and learns."""
    page = app_page
    fragment, named = LINKS[kind]
    if kind == "past the size limit":  # exactly at the limit is read (leading zeros are allowed)
        at_limit = "layers=2-6-2&seed=" + "0" * (LINK_LIMIT - 19) + "7"
        assert len(at_limit) == LINK_LIMIT
        open_app(page, f"{base_url_app}#{at_limit}")
        assert alert_text(page) == ""
        assert model(page)["params"]["seed"] == 7 and model(page)["params"]["layers"] == [2, 6, 2]
        page.goto("about:blank")
    open_app(page, f"{base_url_app}#{fragment}")
    alert = alert_text(page)
    assert "settings the page cannot use" in alert and named in alert, alert
    _dismiss(page)
    page.uncheck("#backprop")
    _alive(page)
