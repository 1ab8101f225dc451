"""Evaluation report: intervals, per-seizure matching, the numbers, escaping, run-folder input, PDF."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from seizure.io.annotations import Event, write_csv_bi
from seizure.postprocess import EventDetector
from seizure.report import EvalRecording, ReportInput, build_document, build_report, write_report
from seizure.report.stats import bootstrap_patients, match_seizures, poisson_rate_interval, wilson
from seizure.scoring import ovlp, taes

EVIL = '<img src=x onerror="alert(1)">'


def test_wilson_and_poisson_known_values():
    assert wilson(0, 0) is None
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert wilson(10, 10)[1] == 1.0 and wilson(0, 10)[0] == 0.0
    # Garwood: k=0 -> [0, 3.689], k=3 -> [0.619, 8.767] events per unit exposure
    assert poisson_rate_interval(0, 86400) == (0.0, pytest.approx(3.6889, abs=1e-4))
    lo, hi = poisson_rate_interval(3, 2 * 86400)
    assert lo == pytest.approx(0.6186 / 2, abs=1e-4) and hi == pytest.approx(8.7673 / 2, abs=1e-4)


def test_patient_bootstrap_brackets_the_pooled_value_and_collapses_when_patients_agree():
    hits, targets = np.array([1, 4, 0, 3.0]), np.array([2, 4, 1, 3.0])
    fa, dur = np.array([0, 2, 5, 1.0]), np.full(4, 86400.0)
    out = bootstrap_patients(hits, targets, fa, dur, n_boot=3000)
    assert out["sensitivity"][0] < 8 / 10 < out["sensitivity"][1]
    assert out["fa_per_24h"][0] < 2.0 < out["fa_per_24h"][1]
    same = bootstrap_patients(np.ones(3), np.full(3, 2.0), np.zeros(3), np.full(3, 3600.0))
    assert same["sensitivity"] == [0.5, 0.5] and same["fa_per_24h"] == [0.0, 0.0]


def test_per_seizure_matching_agrees_with_ovlp_on_random_files():
    rng = np.random.default_rng(3)
    for _ in range(200):
        dur = 300.0
        refs = [Event(a, a + rng.uniform(1, 40), "fnsz") for a in np.sort(rng.uniform(0, 250, rng.integers(0, 4)))]
        refs = [e for i, e in enumerate(refs) if i == 0 or e.start > refs[i - 1].stop]  # no overlaps
        hyps = [Event(a, a + rng.uniform(1, 30), "seiz") for a in np.sort(rng.uniform(0, 260, rng.integers(0, 5)))]
        hyps = [e for i, e in enumerate(hyps) if i == 0 or e.start > hyps[i - 1].stop]
        matches, fas = match_seizures(refs, hyps, dur)
        c = ovlp([Event(e.start, e.stop, "seiz") for e in refs], hyps, dur)["seiz"]
        assert (sum(m.detected for m in matches), len(matches), fas) == (c.hits, c.targets, c.false_alarms)
        for m in matches:
            if m.detected:
                first = min(h.start for h in hyps if h.stop > m.start and h.start < m.stop)
                assert m.latency == pytest.approx(first - m.start)


def _input(names=("aaaa", "bbbb", "cccc")) -> ReportInput:
    rng = np.random.default_rng(0)
    det = EventDetector(1.0, 3.0, 2.0, 5.0, 0.5)
    recs = []
    for i, pat in enumerate(names):
        for j in range(2):
            probs = rng.uniform(0, 0.3, 600)
            refs = [Event(100.0 + 100 * j, 140.0 + 100 * j, ("fnsz", "gnsz")[j])] if i != 2 else []
            if refs and (i, j) != (1, 1):
                probs[104 : 140 + 100 * j - 100 * j] = 0.95 if j == 0 else probs[104:140]
                probs[100 * j + 104 : 100 * j + 140] = 0.95
            if i == 2:
                probs[300:320] = 0.9  # a false alarm
            recs.append(
                EvalRecording(f"{pat}_s001_t00{j}", pat, 600.0, refs, det.predict(probs, duration=600.0), probs)
            )
    return ReportInput(
        recs,
        det.to_dict(),
        {"kind": "detections", "path": "/x/det", "run_id": None},
        exclusions=[{"recording": f"/data/{EVIL}.edf", "reason": f"EdfError: {EVIL}"}],
    )


def test_document_numbers_are_consistent():
    inp = _input()
    doc = build_document(inp, n_boot=500)
    refs = [[Event(e.start, e.stop, "seiz") for e in r.refs] for r in inp.records]
    for metric, fn in (("ovlp", ovlp), ("taes", taes)):
        tot = [fn(ref, r.hyps, r.duration)["seiz"] for ref, r in zip(refs, inp.records)]
        h = doc["headline"][metric]
        assert h["hits"] == pytest.approx(sum(c.hits for c in tot), abs=1e-6)
        assert h["fa_per_24h"] == pytest.approx(sum(c.false_alarms for c in tot) / 3600 * 86400, abs=1e-4)
        lo, hi = h["sensitivity_ci_wilson"]
        assert lo <= h["sensitivity"] <= hi
    assert doc["data"] | {"splits": None} == doc["data"] and doc["data"]["recordings"] == 6
    assert doc["data"]["seizures"] == 4 and doc["data"]["seizures_by_type"] == {"fnsz": 2, "gnsz": 2}
    assert sum(p["seizures"] for p in doc["patients"]) == 4
    assert sum(p["detected"] for p in doc["patients"]) == doc["headline"]["ovlp"]["hits"] == 3
    assert {t["type"]: (t["seizures"], t["detected"]) for t in doc["by_type"]} == {"fnsz": (2, 2), "gnsz": (2, 1)}
    assert doc["latency"]["n"] == 3
    assert {w["patient"] for w in doc["worst"]} == {"bbbb", "cccc"}
    assert set(doc["curves"]) == set(doc["headline"])  # one curve per scorer
    anchors = {(a["fa_per_24h"], a["sensitivity"]) for a in doc["anchors"]["ovlp"]}
    assert (6.75, 0.3083) in anchors
    if "szcore" in doc["headline"]:
        assert doc["scorers_missing"] == []


def test_html_escapes_strings_from_files(tmp_path):
    out = build_report(_input(names=("aaaa", EVIL, "cccc")), tmp_path, pdf=None, n_boot=100)
    html = out["html"].read_text()
    assert "<img src=x" not in html and 'onerror="alert' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<script" not in html  # the page has no script at all
    assert "default-src 'none'" in html
    doc = json.loads(out["json"].read_text())
    assert any(p["patient"] == EVIL for p in doc["patients"])


def test_write_report_on_a_training_run_folder(tmp_path):
    """The call training makes: write_report(doc, eval_entries, run_dir)."""
    run = tmp_path / "run"
    det = EventDetector(1.0, 0.0, 0.0, 0.0, 0.5)
    entries, events = [], {}
    for pat, sz in (("pppppppp", [(20.0, 40.0)]), ("qqqqqqqq", [])):
        edf = tmp_path / "corpus" / f"{pat}_s001_t000.edf"
        edf.parent.mkdir(parents=True, exist_ok=True)
        write_csv_bi(edf.with_suffix(".csv_bi"), [Event(a, b, "seiz") for a, b in sz], 120.0)
        probs = np.zeros(120)
        probs[22:38] = 0.9
        hyp = det.predict(probs, duration=120.0)
        (run / "hyp" / "model").mkdir(parents=True, exist_ok=True)
        (run / "probs" / "model").mkdir(parents=True, exist_ok=True)
        write_csv_bi(run / "hyp" / "model" / f"{edf.stem}.csv_bi", hyp, 120.0)
        np.save(run / "probs" / "model" / f"{edf.stem}.npy", probs)
        entries.append(SimpleNamespace(meta={"edf": str(edf), "subject": pat}))
        events[edf.stem] = [[e.start, e.stop, e.confidence] for e in hyp]
    doc = {
        "run_id": None,
        "tracking_uri": "",
        "config_hash": "h",
        "exclusions": [{"recording": "/c/zzzzzzzz_s001_t000.edf", "split": "eval", "reason": "EdfError: truncated"}],
        "data": {"eval": {"recordings": 2, "patients": 2, "hours": 240 / 3600, "seizures": 1}},
        "model": {"name": "cnn_rnn", "kwargs": {"dropout": 0.3}, "n_parameters": 10},
        "results": {
            "model": {
                "detector": det.to_dict(),
                "dev_fit": {"target_fa_per_24h": 20.0, "threshold": 0.5},
                "events": events,
            }
        },
    }
    html = write_report(doc, entries, run, pdf=None)
    assert html == run / "report.html"
    rep = json.loads((run / "report.json").read_text())
    assert rep["headline"]["ovlp"]["sensitivity"] == 1.0 and rep["headline"]["ovlp"]["false_alarms"] == 1.0
    assert rep["exclusions"][0]["reason"] == "EdfError: truncated"
    assert rep["operating_point"]["target_fa_per_24h"] == 20.0
    assert rep["model_card"]["regularizers"] == {"model.dropout": 0.3}
    assert "zzzzzzzz_s001_t000.edf" in html.read_text()


def test_matplotlib_pdf_has_every_figure(tmp_path):
    out = build_report(_input(), tmp_path, pdf="matplotlib", n_boot=100)
    pdf = out["pdf"].read_bytes()
    assert out["pdf_engine"] == "matplotlib" and pdf[:5] == b"%PDF-"
    n_pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>")
    assert n_pages >= 4 + len(out["doc"]["outputs"]["figures"])


def test_unknown_pdf_engine_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="pdf engine"):
        build_report(_input(), tmp_path, pdf="word", n_boot=10)


def test_report_target_errors_name_the_folder(tmp_path):
    from seizure_app.report import resolve_target

    with pytest.raises(FileNotFoundError, match="neither a training run folder"):
        resolve_target(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a folder"):
        resolve_target(str(tmp_path / "missing" / "dir"))
    assert Path(tmp_path).is_dir()
