"""Hostile files, links and worker messages: each gets an alert naming the problem, and afterwards
the page is fully alive (a valid model imports, live learning goes on, the worker still trains).

One test per entry point, each running every hostile class in ONE page, one after the other:
model files picked and dropped (feed-forward and recurrent), dataset files, moves files, shared
links, the pre-training worker's messages both ways, and the evolve pool's messages both ways.
A class that goes wrong is recorded under its name and the test goes on, so the failure names
every class that failed; the page must survive them all in a row and be alive at the end. The
file and message entry points share one page, opened once (a page costs ~9 s of CPU to boot its
interpreter and its worker): each test starts on the page the previous one left alive, which
makes "survives everything in a row" stronger still. Links need a page opened with the link.

The classes: deep nesting (the 200 kB file that used to kill Pyodide), huge arrays, huge objects,
huge strings, numbers beyond float range, wrong types at every level, bytes that are not UTF-8,
empty input, and input exactly at the size limit (accepted) and just past it (refused).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
from pathlib import Path

import pytest

from nn import Network, RecurrentNetwork, Trainer, random_dataset
from nn.defaults import (
    DATASET_MAX_BYTES,
    MESSAGE_MAX_BYTES,
    MODEL_MAX_BYTES,
    MOVES_MAX_BYTES,
    MOVES_MAX_EVENTS,
)
from nn.schema import dataset_message, done_message, evaluate_message, train_message
from nn.trajectories import circle, dump_moves
from nnpage.linkstate import MAX_LENGTH as LINK_LIMIT

from .conftest import PageWatch
from .helpers import (
    RUN_TIMEOUT_MS,
    WORKER_READY_MS,
    alert_text,
    model,
    move_pointer,
    open_app,
    pretrain_generated,
    read_stage,
    wait_worker,
)

LAYERS = [2, 6, 6, 6, 2]
ALERT_MS = 60_000  # a hang guard: the biggest file is read and refused in a few seconds
BINARY = bytes(range(256)) * 64  # 16 kB of every byte value: not UTF-8 (0x80-0xff alone)
BIG = "__BIG__"  # stands for a number beyond float range (json.dumps cannot write one)


def good_model(seed: int = 5) -> dict:
    return Network(LAYERS, activation="tanh", seed=seed).export()


def good_recurrent(seed: int = 5) -> dict:
    return RecurrentNetwork([4, 16, 2], seed=seed).export()


def as_bytes(value: object) -> bytes:
    """JSON bytes, with every ``BIG`` written as a number beyond float range."""
    return json.dumps(value).replace(f'"{BIG}"', "1e999").encode()


def changed(base: dict, **changes) -> bytes:
    return as_bytes({**base, **changes})


def padded(data: bytes, size: int) -> bytes:
    """``data`` followed by spaces, ``size`` bytes in all."""
    return data + b" " * (size - len(data))


def _replaced(value, path: list, by: object):
    """A copy of nested lists and objects ``value`` with the item at ``path`` replaced."""
    copy = json.loads(json.dumps(value))
    node = copy
    for index in path[:-1]:
        node = node[index]
    node[path[-1]] = by
    return copy


def dataset_bytes(inputs, targets=None) -> bytes:
    targets = inputs if targets is None else targets
    return as_bytes({"format_version": 1, "inputs": inputs, "targets": targets})


class Cases:
    """Runs each hostile case, recording a failure under its class instead of stopping."""

    def __init__(self, page, entry: str):
        self.page, self.entry = page, entry
        self.failures: list[str] = []
        self.ran = 0

    def run(self, kind: str, check, *args) -> None:
        self.ran += 1
        try:
            check(*args)
        except Exception as exc:  # an assertion or a Playwright timeout: name it, go on
            self.failures.append(f"{kind}: {type(exc).__name__}: {str(exc)[:600]}")
            with contextlib.suppress(Exception):  # the next case starts with no alert shown
                if self.page.is_visible("#alert"):
                    self.page.click("#alert-close")

    def done(self) -> None:
        assert not self.failures, f"{self.entry}, {len(self.failures)} of {self.ran} failed:\n" + (
            "\n".join(self.failures)
        )


@pytest.fixture(scope="module")
def shared(browser, browser_context_args, base_url_app):
    """The page the file and message tests share, with a ``PageWatch`` on it (as ``app_page``
    has: no foreign request, console error or uncaught exception is allowed)."""
    viewport = {"width": 1280, "height": 1000}
    context = browser.new_context(**{**browser_context_args, "viewport": viewport})
    watch = PageWatch()
    context.on("request", watch.on_request)
    page = context.new_page()
    watch.attach(page)
    open_app(page, base_url_app)
    yield page, watch
    context.close()


@pytest.fixture
def shared_page(shared):
    """The shared page as a test finds it: ready (else the previous test killed it, and this one
    fails at once), no alert, learning off so that only imports change the weights."""
    page, watch = shared
    for problems in (watch.foreign, watch.console_errors, watch.page_errors):
        problems.clear()  # each test answers for its own
    assert page.evaluate("document.body.dataset.state") == "ready", alert_text(page)
    if page.is_visible("#alert"):
        _dismiss(page)
    page.uncheck("#backprop")
    yield page
    assert not watch.problems(), "\n".join(watch.problems())


def _wait_alert(page, timeout: int = ALERT_MS) -> str:
    page.wait_for_selector("#alert:not([hidden])", state="attached", timeout=timeout)
    return alert_text(page)


def _dismiss(page) -> None:
    page.click("#alert-close")
    page.wait_for_selector("#alert[hidden]", state="attached")


def _expect_refused(page, named: list[str], before: dict, timeout: int = ALERT_MS) -> None:
    """An alert naming every fragment of ``named``; nothing changed; the page still ready."""
    alert = _wait_alert(page, timeout)
    _dismiss(page)
    missing = [fragment for fragment in named if fragment not in alert]
    assert not missing, f"the alert does not say {missing}: {alert[:400]!r}"
    assert model(page) == before, "the live network changed"
    assert page.evaluate("document.body.dataset.state") == "ready"


def _wait_status(page, selector: str, fragment: str, timeout: int = ALERT_MS) -> None:
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel).textContent.includes(text)",
        arg=[selector, fragment],
        timeout=timeout,
    )


class Files:
    """Files written to the test's folder and handed to the page by path: Playwright would send
    a buffer through its protocol as base64 (20 s for 20 MB on a busy machine), a path costs
    nothing. ``pick`` sets a file input; ``drop`` drops the file on the canvas."""

    def __init__(self, page, folder: Path):
        self.page, self.folder = page, folder

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def pick(self, selector: str, name: str, data: bytes) -> None:
        self.page.set_input_files(selector, self.write(name, data))

    def drop(self, name: str, data: bytes) -> None:
        self.page.evaluate(DROP_SOURCE)
        self.page.set_input_files("#drop-source", self.write(name, data))
        self.page.evaluate(DROP)


# A file input of the test's own, outside the app, holding the file to drop.
DROP_SOURCE = """() => {
  if (document.getElementById('drop-source')) return;
  const input = Object.assign(document.createElement('input'), {type: 'file', id: 'drop-source'});
  input.hidden = true;
  document.body.append(input);
}"""
DROP = """() => {
  const data = new DataTransfer();
  data.items.add(document.getElementById('drop-source').files[0]);
  document.getElementById('stage').dispatchEvent(
    new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
}"""


_ALIVE = itertools.count()


def _alive(page, files: Files, start: int = 0) -> None:
    """After the last hostile case: a valid model imports, the network learns from the pointer,
    and the pre-training worker trains (a fresh one if the old one was dropped)."""
    good, name = good_model(seed=11), f"good-{next(_ALIVE)}.json"  # a status no test has shown
    files.pick("#model-import", name, json.dumps(good).encode())
    _wait_status(page, "#status", f"Imported {name}")
    assert model(page)["weights"] == good["weights"]
    page.check("#backprop")
    before = read_stage(page)["iterations"]
    assert move_pointer(page, start, 60)["iterations"] >= before + 60
    assert model(page)["weights"] != good["weights"]
    assert pretrain_generated(page, epochs=5, target="")["epochs_done"] == 5
    assert page.evaluate("document.body.dataset.state") == "ready"
    assert alert_text(page) == ""


# --- links -------------------------------------------------------------------------------------

# class -> (fragment, what the alert names). The first is opened with the page (the link read at
# start-up); the others are typed into the address bar (hashchange).
LINKS = {
    "deep nesting": ("layers=" + "%5B" * 140 + "2-6-2" + "%5D" * 140, ["Layers '[[[["]),
    "huge array": ("layers=" + "-".join(["2"] * 300), ["Layers '2-2-2-2", "got 300"]),
    "huge object": (
        "&".join(f"k{i}=1" for i in range(150)),
        ["150 unknown settings: 'k0', 'k1', 'k2' and 147 more"],
    ),
    "huge string": ("layers=2-6-2&activation=" + "x" * 100_000, ["100,024 characters long"]),
    "beyond float range": ("lr=1e999&seed=1e999", ["Learning rate '1e999'", "Seed '1e999'"]),
    "wrong types": ("bias=maybe&norm=[1]&layers={}&dropout=true", ["Bias 'maybe'", "Layers '{}'"]),
    "not UTF-8": ("activation=%FF%FE%00&optimizer=%C3%28", ["Activation", "Optimizer"]),
    "empty": ("layers=&lr=&=&&", ["Layers ''"]),
    "past the size limit": ("seed=1&x=" + "a" * 1000, ["1,009 characters long, over the 1,000"]),
}


def test_hostile_links(app_page, base_url_app, tmp_path):
    """A hostile link (opened, then typed): the page keeps its defaults for what it cannot use,
    names it in the alert, and lives on; a link exactly at the length limit is read."""
    page, files = app_page, Files(app_page, tmp_path)
    cases = Cases(page, "links")
    kinds = list(LINKS)
    first, named = LINKS[kinds[0]]
    open_app(page, f"{base_url_app}#{first}")

    def refused(fragment: str, named: list[str], opened: bool = False) -> None:
        if not opened:
            page.evaluate("fragment => { location.hash = fragment; }", fragment)
        alert = _wait_alert(page)
        _dismiss(page)
        assert "settings the page cannot use" in alert, alert[:300]
        missing = [part for part in named if part not in alert]
        assert not missing, f"the alert does not say {missing}: {alert[:400]!r}"
        assert page.evaluate("document.body.dataset.state") == "ready"

    cases.run(f"{kinds[0]} (opened)", refused, first, named, True)
    page.uncheck("#backprop")  # (a change of setting clears the alert: not before reading it)
    for kind in kinds[1:]:
        cases.run(kind, refused, *LINKS[kind])

    def accepted() -> None:  # leading zeros are allowed, so a seed can pad a link to the limit
        at_limit = "layers=2-6-2&seed=" + "0" * (LINK_LIMIT - 19) + "7"
        assert len(at_limit) == LINK_LIMIT
        page.evaluate("fragment => { location.hash = fragment; }", at_limit)
        page.wait_for_function("window.nnApp.exportModel().includes('\"seed\": 7')")
        assert model(page)["params"]["layers"] == [2, 6, 2]
        assert alert_text(page) == ""

    cases.run("at the size limit", accepted)
    cases.run("alive afterwards", _alive, page, files)
    cases.done()


# --- model files -------------------------------------------------------------------------------

FF, RNN = good_model(), good_recurrent()
RNN_PARAMS = RNN["params"]
RNN_W = RNN["weights"]


# class -> [(file, what the alert names)]; "recurrent" files have "kind": "recurrent".
MODELS: dict[str, list[tuple[bytes, list[str]]]] = {
    "deep nesting": [
        (b"[" * 200_000, ["nested 200,000 deep"]),
        (b'{"a":' * 100_000, ["nested 100,000 deep"]),
    ],
    "huge array": [
        (changed(FF, weights=[0.5] * 600_000), ["weights must be a list of 4 matrices"]),
        (changed(RNN, biases=[0.5] * 600_000), ["biases must be the 2 vectors"]),
    ],
    "huge object": [
        (changed(FF, params={f"k{i}": i for i in range(100_000)}), ["unknown field"]),
        (
            changed(RNN, params={**RNN_PARAMS, **{f"k{i}": i for i in range(100_000)}}),
            ["params has an unknown field 'k0'"],
        ),
    ],
    "huge string": [
        (changed(FF, kind="x" * 300_000), ["a string of 300,000 characters"]),
        (changed(RNN, params={**RNN_PARAMS, "activation": "y" * 200_000}), ["200,000"]),
    ],
    "beyond float range": [
        (
            changed(FF, biases=[[BIG] + [0] * 5, [0] * 6, [0] * 6, [0, 0]]),
            ["biases[0][0] must be a finite number, got inf"],
        ),
        (
            changed(FF, format_version=BIG).replace(b"1e999", b"-1e400"),
            ["format_version must be 1, got -inf"],
        ),
        (
            changed(RNN, weights=_replaced(RNN_W, [1, 0, 15], BIG)),
            ["weights[1] (W_h)[0][15] must be a finite number, got inf"],
        ),
    ],
    "wrong types": [
        (b"[1, 2, 3]", ["model must be an object"]),
        (changed(FF, format_version="1"), ["format_version must be 1"]),
        (changed(FF, params=[2, 6, 2]), ["params must be an object"]),
        (changed(FF, params={"layers": "2-6-2"}), ["layers must be a list"]),
        (changed(FF, params={"layers": LAYERS, "bias": "yes"}), ["bias must be true or false"]),
        (changed(FF, weights={"0": 1}), ["weights must be a list"]),
        (
            changed(FF, weights=_replaced(FF["weights"], [0, 1], "row")),
            ["weights[0][1] must be a list"],
        ),
        (
            changed(FF, weights=_replaced(FF["weights"], [2, 3, 4], "0")),
            ["weights[2][3][4] must be a number, got '0'"],
        ),
        (changed(FF, biases=None), ["biases must be a list"]),
        (changed(RNN, kind=["recurrent"]), ["model kind must be one of"]),
        (changed(RNN, params={**RNN_PARAMS, "layers": "4-16-2"}), ["[inputs, hidden, outputs]"]),
        (changed(RNN, weights=_replaced(RNN_W, [1, 0], 5)), ["weights[1] (W_h)[0] must be a list"]),
        (
            changed(RNN, weights=_replaced(RNN_W, [1, 0, 15], "0")),
            ["weights[1] (W_h)[0][15] must be a number, got '0'"],
        ),
        (
            as_bytes(RecurrentNetwork([2, 16, 2], seed=1).export()),
            ["Anticipate needs a recurrent network with 4 inputs"],
        ),
    ],
    "not UTF-8": [
        (BINARY, ["not UTF-8"]),
        (b'{"format_version": "\xff\xfe"}', ["not UTF-8"]),
    ],
    "empty": [(b"", ["empty"]), (b"  \n ", ["empty"])],
    "past the size limit": [
        (padded(as_bytes(FF), MODEL_MAX_BYTES + 1), ["5.0 MB", "at most 5 MB"]),
    ],
}


def _model_file_cases(page, files: Files, send, how: str) -> None:
    """Every hostile model file through ``send(name, data)``, then files exactly at the
    limit (one feed-forward, one recurrent: it switches the page to Anticipate), then alive."""
    cases = Cases(page, f"model files {how}")

    def refused(name: str, data: bytes, named: list[str]) -> None:
        before = model(page)
        send(name, data)
        _expect_refused(page, [repr(name), *named], before)

    for kind, entries in MODELS.items():
        for k, (data, named) in enumerate(entries):
            cases.run(f"{kind} #{k}", refused, f"{how}-{k}.json", data, named)

    def accepted(name: str, export: dict, mode: str) -> None:
        send(name, padded(json.dumps(export).encode(), MODEL_MAX_BYTES))
        _wait_status(page, "#status", f"Imported {name}")
        assert model(page)["weights"] == export["weights"]
        assert page.evaluate("document.body.dataset.mode || 'follow'") == mode

    cases.run("at the size limit (feed-forward)", accepted, f"{how}.json", good_model(2), "follow")
    cases.run(
        "at the size limit (recurrent)",
        accepted,
        f"{how}-rnn.json",
        good_recurrent(3),
        "anticipate",
    )
    cases.run("alive afterwards", _alive, page, files)
    cases.done()


def test_hostile_model_files_picked(shared_page, tmp_path):
    """Picked model files: every class refused by name, nothing changed; at the limit read."""
    page, files = shared_page, Files(shared_page, tmp_path)
    pick = lambda name, data: files.pick("#model-import", name, data)  # noqa: E731
    _model_file_cases(page, files, pick, "picked")


def test_hostile_model_files_dropped(shared_page, tmp_path):
    """Model files dropped on the page: the same classes, the same outcome."""
    page, files = shared_page, Files(shared_page, tmp_path)
    _model_file_cases(page, files, files.drop, "dropped")


# --- dataset files -----------------------------------------------------------------------------

DATASETS: dict[str, list[tuple[str, bytes, list[str]]]] = {
    "deep nesting": [("json", b"[" * 200_000, ["nested 200,000 deep"])],
    "huge array": [
        ("json", dataset_bytes([0.5] * 600_000), ["inputs[0] must be a list"]),
        ("csv", b"input_0,input_1,target_0,target_1\n" + b"0," * 300_000 + b"0\n", ["line 2"]),
    ],
    "huge object": [
        ("json", as_bytes({f"k{i}": i for i in range(100_000)}), ["exactly the fields"]),
        ("csv", b",".join(b"input_%d" % i for i in range(100_000)) + b"\n", ["line 1"]),
    ],
    "huge string": [
        ("json", dataset_bytes("y" * 300_000), ["a string of 300,000 characters"]),
        ("csv", b"input_0,target_0\n" + b"1" * 200_000 + b",1\n", ["field larger"]),
    ],
    "beyond float range": [
        ("json", dataset_bytes([[BIG, 0]]).replace(b"1e999", b"-1e999"), ["got -inf"]),
        ("csv", b"input_0,input_1,target_0,target_1\n0,1e999,0,0\n", ["'1e999'"]),
    ],
    "wrong types": [
        ("json", b'"inputs"', ["must be a JSON object or list"]),
        ("json", dataset_bytes([[0, True]]), ["inputs[0][1] must be a number"]),
        ("json", dataset_bytes({"x": 0}), ["inputs must be a list"]),
        ("json", dataset_bytes([[0, 0], 5], [[0, 0], [0, 0]]), ["inputs[1] must be a list, got 5"]),
        ("csv", b"input_0,input_1,target_0,target_1\n0,x,0,0\n", ["column input_1: 'x'"]),
    ],
    "not UTF-8": [
        ("json", BINARY, ["not UTF-8"]),
        ("csv", b"input_0,input_1,target_0,target_1\n\xc3\x28,0,0,0\n", ["UTF-8"]),
    ],
    "empty": [("json", b"", ["empty"]), ("csv", b"\n\n", ["empty"])],
    "past the size limit": [
        (
            "json",
            padded(dataset_bytes([[0.1, 0.2]]), DATASET_MAX_BYTES + 1),
            ["20.0 MB", "1 byte to 20 MB"],
        )
    ],
}


def test_hostile_dataset_files(shared_page, tmp_path):
    """Dataset files (JSON and CSV): every class refused by name, the dataset and the network
    unchanged; a file exactly at the limit imports."""
    page, files = shared_page, Files(shared_page, tmp_path)
    cases = Cases(page, "dataset files")

    def refused(name: str, data: bytes, named: list[str]) -> None:
        before = model(page)
        source = page.input_value("#dataset-source")
        files.pick("#dataset-import", name, data)
        _expect_refused(page, [repr(name), *named], before)
        assert page.input_value("#dataset-source") == source

    for kind, entries in DATASETS.items():
        for k, (ext, data, named) in enumerate(entries):
            cases.run(f"{kind} #{k}", refused, f"data-{k}.{ext}", data, named)

    def accepted() -> None:
        inputs = [[0.1, 0.2], [0.3, 0.4], [-0.5, 0.6]]
        data = padded(dataset_bytes(inputs), DATASET_MAX_BYTES)
        files.pick("#dataset-import", "at-limit.json", data)
        _wait_status(page, "#pretrain-status", "Imported 3 samples from at-limit.json")
        assert page.input_value("#dataset-source") == "imported"

    cases.run("at the size limit", accepted)
    cases.run("alive afterwards", _alive, page, files)
    cases.done()


# --- moves files (Anticipate) --------------------------------------------------------------------

MOVES_HEADER = b"time_ms,x,y\n"
MOVES: dict[str, list[tuple[bytes, list[str]]]] = {
    "deep nesting": [(b"[" * 200_000, ["field larger than field limit"])],
    "huge array": [
        (MOVES_HEADER + b"0," * 600_000 + b"0\n", ["line 2: expected 3 values", "600001"]),
        (
            MOVES_HEADER + b"".join(b"%d,0.5,0.5\n" % (250 * i) for i in range(70_000)),
            ["samples at 60 Hz; at most 1,000,000"],
        ),
        (b"time_ms,x,y" + b"\n" * (MOVES_MAX_EVENTS + 1) + b"0,0,0", ["1,000,002 lines"]),
    ],
    "huge object": [(b"time_ms,x,y," + b"k," * 100_000 + b"k\n0,0,0\n", ["header time_ms,x,y"])],
    "huge string": [(MOVES_HEADER + b"0," + b"5" * 300_000 + b",0\n", ["field larger"])],
    "beyond float range": [
        (MOVES_HEADER + b"0,1e999,0\n", ["line 2, column x: '1e999' is not a finite number"]),
        (MOVES_HEADER + b"-1e400,0,0\n", ["column time_ms: '-1e400'"]),
    ],
    "wrong types": [
        (b"x,y\n1,2\n", ["header time_ms,x,y"]),
        (MOVES_HEADER + b"0,abc,0\n", ["column x: 'abc'"]),
        (MOVES_HEADER + b"0,0.5\n", ["line 2: expected 3 values"]),
        (MOVES_HEADER + b"10,0.1,0.1\n5,0.1,0.1\n", ["line 3: time_ms goes backwards"]),
    ],
    "not UTF-8": [
        (BINARY, ["not UTF-8"]),
        (MOVES_HEADER + b"0,\xff\xfe,0\n", ["not UTF-8"]),
    ],
    "empty": [(b"", ["it is empty"]), (b"  \n\n ", ["the moves file is empty"])],
    "past the size limit": [
        (padded(MOVES_HEADER + b"0,0,0\n", MOVES_MAX_BYTES + 1), ["20.0 MB", "1 byte to 20 MB"])
    ],
}


def test_hostile_moves_files(shared_page, tmp_path):
    """Anticipate's moves files: every class refused by name, size before reading; a file at the
    limit (trailing white space) imports its strokes."""
    page, files = shared_page, Files(shared_page, tmp_path)
    cases = Cases(page, "moves files")

    def refused(name: str, data: bytes, named: list[str]) -> None:
        before = model(page)
        files.pick("#moves-import", name, data)
        _expect_refused(page, [f"The moves file {name!r} was not imported", *named], before)

    for kind, entries in MOVES.items():
        for k, (data, named) in enumerate(entries):
            cases.run(f"{kind} #{k}", refused, f"moves-{k}.csv", data, named)

    def accepted() -> None:
        times = [1000 * i / 60 for i in range(120)]  # two seconds at 60 Hz: one stroke
        text = dump_moves(times, circle(120, seed=0)).encode()
        files.pick("#moves-import", "at-limit.csv", padded(text, MOVES_MAX_BYTES))
        _wait_status(page, "#status", "in 1 strokes from at-limit.csv")

    cases.run("at the size limit", accepted)
    cases.run("alive afterwards", _alive, page, files)
    cases.done()


# --- the pre-training worker's messages ---------------------------------------------------------


def _train_plain() -> dict:
    x, t = random_dataset(8, seed=0)
    return train_message(1, good_model(), x, t, 2)


def _done_plain() -> dict:
    net = Network(LAYERS, seed=1)
    x, t = random_dataset(8, seed=0)
    trainer = Trainer(net, x, t, epochs=1)
    trainer.run()
    return done_message(1, net.export_weights(), net.export_biases(), trainer.summary().to_dict())


def _nested(message: dict, path: list, value: object) -> str:
    """``message`` as JSON text with the value at ``path`` replaced."""
    return as_bytes(_replaced(message, path, value)).decode()


PAST_LIMIT = f"js:' '.repeat({MESSAGE_MAX_BYTES + 1})"
# class -> [(message, what the rejection names)]. A message is JSON text, bytes (posted as a
# Uint8Array, the way train messages travel), or "js:" and an expression that builds it in the
# page (64 MB would not cross from Python quickly). The same messages go both ways: the worker
# and the page validate any message type before they look at its direction.
MESSAGES: dict[str, list[tuple[object, list[str]]]] = {
    "deep nesting": [("[" * 200_000, ["nested 200,000 deep"])],
    "huge array": [
        (json.dumps({"type": "cancel", "id": [0] * 600_000}), ["id must be an integer"])
    ],
    "huge object": [
        (json.dumps({"type": "warmup", **{f"k{i}": i for i in range(100_000)}}), ["unknown field"])
    ],
    "huge string": [
        (
            json.dumps({"type": "error", "id": None, "message": "m" * 200_000}),
            ["string of 200,000 characters"],
        )
    ],
    "beyond float range": [
        ('{"type": "cancel", "id": 1e999}', ["id must be an integer"]),
        (_nested(_train_plain(), ["epochs"], BIG), ["epochs must be an integer"]),
    ],
    "wrong types": [
        ('{"type": ["train"], "id": "1"}', ["message type must be one of"]),
        (_nested(_train_plain(), ["batch_size"], "64"), ["batch_size must be an integer"]),
        (
            _nested(_train_plain(), ["dataset", "inputs", 3, 1], True),
            ["inputs[3][1] must be a number, got True"],
        ),
        (
            _nested(_done_plain(), ["weights", 0, 1, 2], "0"),
            ["weights[0][1][2] must be a number, got '0'"],
        ),
    ],
    "not UTF-8": [(b'{"type": "\xff\xfe"}', ["not UTF-8"])],
    "empty": [("", ["message is empty"]), (b"", ["message is empty"])],
    "past the size limit": [(PAST_LIMIT, ["64.0 MB, over the limit of 64.0 MB"])],
}
AT_LIMIT = "js:{}.padEnd({}, ' ')".format  # a valid message padded to exactly the limit

# Post to a worker: text, bytes (base64) as a Uint8Array, or a JS expression's value.
POST = """([worker, text, kind]) => {
  const data = kind === 'js' ? eval(text)
    : kind === 'bytes' ? Uint8Array.from(atob(text), c => c.charCodeAt(0)) : text;
  eval(worker).postMessage(data);
}"""
# Hand to the page's handler as if the worker had sent it (the worker sends text: bytes arrive
# as the text a decoder makes of them, U+FFFD for each byte that is not UTF-8).
RECEIVE = """([handler, text, kind]) => {
  const data = kind === 'js' ? eval(text)
    : kind === 'bytes' ? atob(text).replace(/[\\x80-\\xff]/g, '\\ufffd') : text;
  eval(handler)({data});
}"""


def _message_args(message: object) -> list:
    if isinstance(message, bytes):
        return [base64.b64encode(message).decode(), "bytes"]
    if message.startswith("js:"):
        return [message[3:], "js"]
    return [message, "text"]


def _messages():
    for kind, messages in MESSAGES.items():
        for k, (message, named) in enumerate(messages):
            yield f"{kind} #{k}", message, named


# Every message the worker posts, kept in order (the page's own handler still gets them).
LISTEN = """() => {
  window.replies = [];
  window.nnPretrain.worker.addEventListener('message', e => window.replies.push(e.data));
}"""


def test_hostile_pretraining_worker_messages(shared_page, tmp_path):
    """To the worker: it answers each with an error naming the problem (shown in the alert),
    takes a message exactly at the size limit, and then still trains. From the worker: the page
    takes one at the limit, names every hostile one, drops that worker and keeps the network's
    weights; the next pre-training starts a fresh worker."""
    page, files = shared_page, Files(shared_page, tmp_path)
    wait_worker(page)
    cases = Cases(page, "pre-training worker messages")
    page.evaluate(LISTEN)
    worker = "window.nnPretrain.worker"

    def to_worker(message: object, named: list[str]) -> None:
        page.evaluate(POST, [worker, *_message_args(message)])
        alert = _wait_alert(page, RUN_TIMEOUT_MS)
        _dismiss(page)
        assert "the worker rejected a message" in alert, alert[:300]
        assert all(fragment in alert for fragment in named), alert[:400]

    for name, message, named in _messages():
        cases.run(f"to the worker: {name}", to_worker, message, named)

    def to_worker_at_limit() -> None:
        heard = page.evaluate("window.replies.length")
        warmup = AT_LIMIT(json.dumps('{"type": "warmup"}'), MESSAGE_MAX_BYTES)
        page.evaluate(POST, [worker, *_message_args(warmup)])
        page.wait_for_function(
            f'window.replies.slice({heard}).some(r => `${{r}}`.startsWith(\'{{"type":"ready"\'))',
            timeout=RUN_TIMEOUT_MS,
        )
        assert alert_text(page) == ""

    def still_trains() -> None:
        assert pretrain_generated(page, epochs=20, target="")["epochs_done"] == 20

    cases.run("to the worker: at the size limit", to_worker_at_limit)
    cases.run("to the worker: it still trains", still_trains)

    page.evaluate(f"() => {{ window.receive = {worker}.onmessage; }}")  # the page's handler

    def from_worker_at_limit() -> None:
        error = json.dumps({"type": "error", "id": None, "kind": "invalid", "message": "at 64 MB"})
        page.evaluate(
            RECEIVE,
            ["window.receive", *_message_args(AT_LIMIT(json.dumps(error), MESSAGE_MAX_BYTES))],
        )
        alert = _wait_alert(page)
        _dismiss(page)
        assert alert.startswith("Pre-training: at 64 MB"), alert[:300]  # read, not refused
        assert page.evaluate("document.getElementById('pretrain').dataset.worker") == "ready"

    cases.run("from the worker: at the size limit", from_worker_at_limit)

    def from_worker(message: object, named: list[str]) -> None:
        before = model(page)
        page.evaluate(RECEIVE, ["window.receive", *_message_args(message)])
        _expect_refused(page, ["sent a malformed message", *named], before)
        assert page.evaluate("document.getElementById('pretrain').dataset.worker") == "none"

    for name, message, named in _messages():
        cases.run(f"from the worker: {name}", from_worker, message, named)
    cases.run("alive afterwards", _alive, page, files)
    cases.done()


# --- the evolve pool's messages ------------------------------------------------------------------

GENOME = {
    "layers": [3],
    "activation": "tanh",
    "learning_rate": 0.01,
    "optimizer": "adam",
    "batch_size": 8,
    "bias": True,
    "init": "uniform",
}


def _evaluate_plain() -> dict:
    return evaluate_message(5, 1, GENOME, 3, 400)


def _dataset_plain() -> dict:
    x, t = random_dataset(8, seed=0)
    return dataset_message(1, (x[:6], t[:6]), (x[6:], t[6:]))


RESULT = {
    "type": "result",
    "id": 5,
    "error": 0.5,
    "parameters": 17,
    "samples": 400,
    "seconds": 0.1,
    "reason": None,
    "model": None,
}
EVOLVE_MESSAGES: dict[str, list[tuple[object, list[str]]]] = {
    "deep nesting": [("[" * 200_000, ["nested 200,000 deep"])],
    "huge array": [
        (
            _nested(_evaluate_plain(), ["genome", "layers"], [3] * 600_000),
            ["genome.layers must be a list of at most 62 hidden sizes"],
        )
    ],
    "huge object": [
        (json.dumps({**RESULT, **{f"k{i}": i for i in range(100_000)}}), ["unknown field"])
    ],
    "huge string": [
        (json.dumps({**RESULT, "error": None, "reason": "r" * 200_000}), ["200,000 characters"])
    ],
    "beyond float range": [
        (_nested(RESULT, ["error"], BIG), ["error must be a finite number >= 0.0, got inf"])
    ],
    "wrong types": [
        (json.dumps({**RESULT, "type": ["result"]}), ["message type must be one of"]),
        (_nested(_evaluate_plain(), ["seed"], "3"), ["seed must be an integer"]),
        (
            _nested(_dataset_plain(), ["train", "inputs", 2, 1], "x"),
            ["inputs[2][1] must be a number, got 'x'"],
        ),
    ],
    "not UTF-8": [(b'{"type": "\xff\xfe"}', ["not UTF-8"])],
    "empty": [("", ["message is empty"])],
    "past the size limit": [(PAST_LIMIT, ["over the limit of 64.0 MB"])],
}


def _evolve_messages():
    for kind, messages in EVOLVE_MESSAGES.items():
        for k, (message, named) in enumerate(messages):
            yield f"{kind} #{k}", message, named


def _search(page, generations: int, budget: int) -> None:
    page.fill("#dataset-size", "200")
    page.fill("#evolve-population", "2")
    page.fill("#evolve-generations", str(generations))
    page.fill("#evolve-budget", str(budget))
    page.click("#evolve-start")
    page.wait_for_selector("#evolve[data-state=running]", state="attached")


# The evolve worker's answers to what the test posts (errors with no id, and "ready") are kept
# here instead of reaching the pool, which would replace the worker; the rest go to the pool.
INTERCEPT = """() => {
  const worker = window.nnEvolve.busy[0], pool = worker.onmessage;
  window.evolveWorker = worker;
  window.answers = [];
  worker.onmessage = event => {
    const message = typeof event.data === 'string' ? JSON.parse(event.data) : {};
    if (message.type === 'ready' || (message.type === 'error' && message.id === null))
      window.answers.push(message);
    else pool(event);
  };
  window.restorePool = () => { worker.onmessage = pool; };
}"""


def test_hostile_evolve_messages(shared_page, tmp_path):
    """To an evolve worker in a running search: it answers each hostile message with an error
    naming the problem and goes on evaluating for the pool. From a worker: the pool names the
    problem in the panel and replaces that worker; a search afterwards still gets results."""
    page, files = shared_page, Files(shared_page, tmp_path)
    cases = Cases(page, "evolve messages")

    def from_worker(message: object, named: list[str]) -> None:
        _search(page, 1, 400)
        page.wait_for_function("(window.nnEvolve?.workers?.length || 0) > 0")
        page.evaluate(RECEIVE, ["window.nnEvolve.workers[0].onmessage", *_message_args(message)])
        _wait_status(page, "#evolve-status", "sent a malformed message")
        status = page.text_content("#evolve-status")
        assert all(fragment in status for fragment in named), status[:400]
        assert "it was replaced" in status, status[:400]
        page.click("#evolve-cancel")
        page.wait_for_selector("#evolve[data-state=cancelled]", state="attached")

    for name, message, named in _evolve_messages():
        cases.run(f"from a worker: {name}", from_worker, message, named)

    def from_worker_at_limit() -> None:  # read whole, and acted on: an error replaces the worker
        error = json.dumps({"type": "error", "id": None, "kind": "internal", "message": "at 64 MB"})
        _search(page, 1, 400)
        page.wait_for_function("(window.nnEvolve?.workers?.length || 0) > 0")
        handler = "window.nnEvolve.workers[0].onmessage"
        page.evaluate(
            RECEIVE, [handler, *_message_args(AT_LIMIT(json.dumps(error), MESSAGE_MAX_BYTES))]
        )
        _wait_status(page, "#evolve-status", "A worker reported an error (at 64 MB)")
        page.click("#evolve-cancel")
        page.wait_for_selector("#evolve[data-state=cancelled]", state="attached")

    cases.run("from a worker: at the size limit", from_worker_at_limit)

    _search(page, 1000, 2000)  # long enough to outlast every case below
    page.wait_for_function("(window.nnEvolve?.busy?.length || 0) > 0", timeout=WORKER_READY_MS)
    page.evaluate(INTERCEPT)
    worker = "window.evolveWorker"

    def to_worker(message: object, named: list[str]) -> None:
        heard = page.evaluate("window.answers.length")
        page.evaluate(POST, [worker, *_message_args(message)])
        page.wait_for_function(f"window.answers.length > {heard}", timeout=RUN_TIMEOUT_MS)
        answer = page.evaluate(f"window.answers[{heard}]")
        assert answer["type"] == "error" and answer["kind"] == "invalid", answer
        text = answer["message"]
        assert "the worker rejected a message" in text, text[:300]
        assert all(fragment in text for fragment in named), text[:400]

    for name, message, named in _evolve_messages():
        cases.run(f"to a worker: {name}", to_worker, message, named)

    def to_worker_at_limit() -> None:
        heard = page.evaluate("window.answers.length")
        warmup = AT_LIMIT(json.dumps('{"type": "warmup"}'), MESSAGE_MAX_BYTES)
        page.evaluate(POST, [worker, *_message_args(warmup)])
        page.wait_for_function(f"window.answers.length > {heard}", timeout=RUN_TIMEOUT_MS)
        assert page.evaluate(f"window.answers[{heard}].type") == "ready"

    cases.run("to a worker: at the size limit", to_worker_at_limit)

    def still_evaluates() -> None:
        page.evaluate("window.restorePool()")
        results = page.evaluate("window.nnEvolve.results")
        page.wait_for_function(f"window.nnEvolve.results >= {results + 2}", timeout=RUN_TIMEOUT_MS)
        assert page.evaluate("window.nnEvolve.workers.includes(window.evolveWorker)")
        assert page.get_attribute("#evolve", "data-state") == "running"
        page.click("#evolve-cancel")
        page.wait_for_selector("#evolve[data-state=cancelled]", state="attached")

    cases.run("the worker still evaluates", still_evaluates)
    wait_worker(page)
    cases.run("alive afterwards", _alive, page, files)
    cases.done()
