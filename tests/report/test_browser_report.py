"""The report in a real browser: headless Chromium driven over the DevTools protocol.

Chromium (Debian's ``chromium``, installed by ``make test``) loads ``report.html`` from disk with
networking disabled; console messages, uncaught exceptions and browser log entries (failed loads,
Content-Security-Policy violations) are collected; the headline table and every figure must be
rendered (images decoded with a non-zero size); a full-page screenshot is saved to
``build/test-artifacts/report-screenshot.png`` (or ``$SEIZURE_TEST_ARTIFACTS``).

The DevTools client is aiohttp's websocket client (aiohttp is installed with mlflow).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from seizure.io.annotations import Event
from seizure.postprocess import EventDetector
from seizure.report import EvalRecording, ReportInput, build_report
from seizure.report.pdf import chromium_flags, find_chromium

aiohttp = pytest.importorskip("aiohttp")

ARTIFACTS = Path(
    os.environ.get("SEIZURE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "build" / "test-artifacts")
)
EVIL = "<img src=x onerror=alert(1)>"


def _require_chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; `make test` installs Debian's chromium package")
        pytest.skip("Chromium not installed (run `make test`, which installs it)")
    return path


class Browser:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, chromium: str, profile: Path) -> None:
        self.proc = subprocess.Popen(
            [
                chromium,
                *chromium_flags(profile),
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--window-size=1200,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:] if self.proc.poll() is not None else ""
                self.close()
                raise RuntimeError(f"Chromium did not start its DevTools endpoint: {err}")
            time.sleep(0.05)
        self.port = int(port_file.read_text().split()[0])
        self.events: list[dict] = []
        self._id = 0

    async def _page_ws(self, session):
        async with session.get(f"http://127.0.0.1:{self.port}/json/list") as resp:
            targets = await resp.json()
        page = next(t for t in targets if t["type"] == "page")
        return await session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)

    async def _call(self, ws, method: str, **params) -> dict:
        self._id += 1
        my_id = self._id
        await ws.send_str(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads((await ws.receive(timeout=60)).data)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]
            if "method" in msg:
                self.events.append(msg)

    async def _wait_event(self, ws, name: str, timeout: float = 60) -> None:
        if any(e["method"] == name for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads((await ws.receive(timeout=timeout)).data)
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == name:
                    return
        raise TimeoutError(name)

    async def _visit(self, url: str, js: str, screenshot: Path | None) -> dict:
        async with aiohttp.ClientSession() as session:
            ws = await self._page_ws(session)
            for domain in ("Runtime", "Log", "Page"):
                await self._call(ws, f"{domain}.enable")
            self.events.clear()
            await self._call(ws, "Page.navigate", url=url)
            await self._wait_event(ws, "Page.loadEventFired")
            await asyncio.sleep(0.3)  # let late console messages arrive
            result = await self._call(ws, "Runtime.evaluate", expression=js, returnByValue=True)
            if screenshot is not None:
                size = (await self._call(ws, "Page.getLayoutMetrics"))["cssContentSize"]
                shot = await self._call(
                    ws,
                    "Page.captureScreenshot",
                    format="png",
                    captureBeyondViewport=True,
                    clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
                )
                screenshot.write_bytes(base64.b64decode(shot["data"]))
            await ws.close()
        return result["result"].get("value")

    def visit(self, path: Path, js: str, screenshot: Path | None = None) -> dict:
        return asyncio.run(self._visit(path.resolve().as_uri(), js, screenshot))

    def problems(self) -> list[str]:
        """Console errors/warnings, uncaught exceptions and browser log errors seen by the page."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif e["method"] == "Runtime.exceptionThrown":
                out.append("exception: " + p["exceptionDetails"].get("text", ""))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out.append(f"log {p['entry']['source']}: {p['entry']['text']}")
            elif e["method"] == "Page.javascriptDialogOpening":
                out.append("dialog: " + p.get("message", ""))
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr is not None:
            self.proc.stderr.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = _require_chromium()
    b = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def _report_input() -> ReportInput:
    """A small evaluation with every section populated, and hostile strings from 'files'."""
    rng = np.random.default_rng(1)
    det = EventDetector(1.0, 5.0, 5.0, 10.0, 0.5)
    recs = []
    for p in range(5):
        for r in range(2):
            refs = [Event(120.0 + 40 * r, 170.0 + 40 * r, ("fnsz", "gnsz", "cpsz")[p % 3])] if (p + r) % 2 == 0 else []
            probs = rng.uniform(0.0, 0.35, 900)
            for e in refs:
                if p != 1:
                    probs[int(e.start) + 3 : int(e.stop)] = 0.92
            if p in (2, 3):
                probs[500 + 30 * r : 530 + 30 * r] = 0.8
            name = EVIL if (p, r) == (1, 0) else f"pt{p:02d}_s001_t{r:03d}"
            recs.append(
                EvalRecording(
                    name, EVIL if p == 1 else f"pt{p:02d}", 900.0, refs, det.predict(probs, duration=900.0), probs
                )
            )
    return ReportInput(
        recs,
        det.to_dict(),
        {"kind": "run", "path": "/runs/20260101-000000", "run_id": "0123abcd"},
        exclusions=[
            {
                "recording": "/data/<svg onload=alert(2)>.edf",
                "split": "eval",
                "reason": "EdfError: header field 'label' is <b>bad</b> & \"quoted\"",
            }
        ],
        model={
            "name": "cnn_rnn",
            "kwargs": {"rnn": "lstm", "dropout": 0.3, "init": "glorot_uniform"},
            "n_parameters": 1234,
        },
        config={
            "train": {"weight_decay": 1e-4, "lr": 2e-3},
            "data": {"preprocessing": [{"name": "scale", "factor": 0.01}]},
        },
        config_hash="abc123",
        operating_point={"chosen_by": "training", "split": "dev", "metric": "ovlp", "target_fa_per_24h": 20.0},
        splits={"train": {"recordings": 10, "patients": 4, "hours": 2.0, "seizures": 12}},
        git_commit="deadbeef",
    )


_PAGE_JS = """(() => {
  const imgs = [...document.images].map(i => ({id: i.id, ok: i.complete && i.naturalWidth > 0,
                                               w: i.naturalWidth, h: i.naturalHeight}));
  const head = document.querySelector('#headline');
  const rows = head ? [...head.rows].map(r => [...r.cells].map(c => c.textContent.trim())) : [];
  const visible = head ? head.getBoundingClientRect().height > 0 : false;
  return {imgs, rows, visible, evil: document.querySelectorAll('img[onerror], svg, script').length,
          text: document.body.innerText};
})()"""


def test_report_renders_in_chromium_without_errors(browser, tmp_path):
    out = build_report(_report_input(), tmp_path, pdf=None, n_boot=300)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-screenshot.png"
    page = browser.visit(out["html"], _PAGE_JS, screenshot=shot)
    assert browser.problems() == []
    expected = out["doc"]["outputs"]["figures"]
    assert len(expected) >= 8  # 3 curves, 3 distributions, timelines
    assert sorted(i["id"] for i in page["imgs"]) == sorted(expected)
    assert all(i["ok"] and i["w"] > 100 and i["h"] > 100 for i in page["imgs"]), page["imgs"]
    assert page["visible"] and [r[0] for r in page["rows"][1:]] == ["OVLP", "TAES", "SzCORE"]
    assert page["rows"][1][1] == f"{100 * out['doc']['headline']['ovlp']['sensitivity']:.1f}%"
    assert page["evil"] == 0  # hostile names stayed text
    assert EVIL in page["text"] and "<svg onload=alert(2)>.edf" in page["text"]
    assert shot.stat().st_size > 50_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_harness_sees_console_errors_and_failed_loads(browser, tmp_path):
    """Control: the checks above are not vacuous."""
    page = tmp_path / "bad.html"
    page.write_text('<html><body><img id="b" src="missing.png"><script>console.error("boom")</script></body></html>')
    res = browser.visit(page, "[...document.images].map(i => i.naturalWidth)")
    problems = browser.problems()
    assert res == [0]
    assert any("boom" in p for p in problems)
    assert any("missing.png" in p or "ERR_FILE_NOT_FOUND" in p for p in problems), problems


def test_pdf_printed_by_chromium(tmp_path):
    _require_chromium()
    out = build_report(_report_input(), tmp_path, pdf="chromium", n_boot=200)
    pdf = out["pdf"].read_bytes()
    assert out["pdf_engine"] == "chromium" and pdf[:5] == b"%PDF-" and len(pdf) > 100_000
    assert (
        shutil.which("pdftotext") is None
        or b"OVLP" in subprocess.run(["pdftotext", str(out["pdf"]), "-"], capture_output=True).stdout
    )
