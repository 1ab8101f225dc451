"""`seizure detect`: channel mapping, streaming inference, outputs, errors, privacy, model URIs."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from edfio import Edf, EdfSignal, Patient, Recording

from seizure.config import load_config
from seizure.detection import find_edfs, load_detector, plan_channels, stream_probabilities
from seizure.detection.stream import WindowScheduler
from seizure.inference import predict_signals
from seizure.io.annotations import Event, read_csv_bi, write_csv, write_csv_bi
from seizure.io.edf import read_channels
from seizure.models import build_model
from seizure.montage import TCP_PAIRS, MontageError, apply_bipolar
from seizure.postprocess import OPERATING_POINT_FILE, EventDetector
from seizure.preprocessing import apply_steps

ELECTRODES = [
    "FP1",
    "FP2",
    "F3",
    "F4",
    "C3",
    "C4",
    "P3",
    "P4",
    "O1",
    "O2",
    "F7",
    "F8",
    "T3",
    "T4",
    "T5",
    "T6",
    "A1",
    "A2",
    "FZ",
    "CZ",
    "PZ",
]
SECRETS = ("Haagen_Anneliese", "MCH-0234567", "SECRETHOSP42", "TECHNICIAN7", "1951")
KWARGS = {
    "n_channels": 22,
    "sfreq": 100.0,
    "step_s": 1.0,
    "rnn": "lstm",
    "conv_channels": [4, 8],
    "kernel_size": 7,
    "hidden_size": 8,
    "num_layers": 1,
    "bidirectional": True,
    "dropout": 0.0,
}


def write_edf(
    path: Path, labels: list[str], seconds: int = 90, sfreq: float = 200.0, seed: int = 0, seizures: tuple = ()
) -> Path:
    """An EDF with noise plus rhythmic 4 Hz bursts in ``seizures``; identifying header fields filled in."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sfreq)) / sfreq
    burst = np.zeros_like(t)
    for a, b in seizures:
        burst += 150 * np.sin(2 * np.pi * 4 * t) * ((t >= a) & (t < b))
    signals = [
        EdfSignal(
            rng.normal(0, 20, t.size) + burst * (0.5 + 0.1 * i),
            sfreq,
            label=lab,
            physical_dimension="uV",
            physical_range=(-3276.8, 3276.7),
        )
        for i, lab in enumerate(labels)
    ]
    Edf(
        signals,
        patient=Patient(code="MCH-0234567", sex="F", birthdate=datetime.date(1951, 5, 2), name="Haagen_Anneliese"),
        recording=Recording(
            startdate=datetime.date(2020, 1, 2),
            hospital_administration_code="SECRETHOSP42",
            investigator_technician_code="TECHNICIAN7",
        ),
        data_record_duration=1,
    ).write(path)
    return path


def write_reference(edf: Path, seizures: list[tuple[float, float, str]], duration: float) -> None:
    write_csv_bi(edf.with_suffix(".csv_bi"), [Event(a, b, "seiz") for a, b, _ in seizures], duration, edf.stem)
    write_csv(
        edf.with_suffix(".csv"),
        {
            "FP1-F7": [Event(a, b, t, "FP1-F7") for a, b, t in seizures],
            "F7-T3": [Event(a, b, t, "F7-T3") for a, b, t in seizures],
        },
        duration,
        edf.stem,
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tiny_run_dir) -> Path:
    """This module's own copy of the tiny run folder (some tests here write into it)."""
    import shutil

    return Path(shutil.copytree(tiny_run_dir, tmp_path_factory.mktemp("run") / "run"))


def test_run_folder_of_the_earlier_layout_loads(tmp_path, run_dir, caplog):
    """A folder holding ``postprocess.json`` (no ``operating_point.json``) loads, and the log says so."""
    import logging
    import shutil

    for name in ("config.yaml", "model_state.pt", "model.json"):
        shutil.copy(run_dir / name, tmp_path / name)
    (tmp_path / "postprocess.json").write_text(
        json.dumps({"step_s": 1.0, "smooth_s": 3.0, "min_duration_s": 2.0, "merge_gap_s": 5.0, "threshold_": 0.5})
    )
    with caplog.at_level(logging.INFO, logger="seizure"):
        old = load_detector(tmp_path)
    assert old.postprocess.to_dict() == load_detector(run_dir).postprocess.to_dict()
    assert old.info["operating_point"]["file"] == "postprocess.json"
    assert any("postprocess.json" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_plan_channels_maps_names_and_handles_missing_ears():
    labels = [f"EEG {e.title()}-REF" for e in ELECTRODES if e not in ("A1", "A2")]
    labels = [lab.replace("T3", "T7").replace("T4", "T8") for lab in labels] + ["EKG"]
    plan = plan_channels(labels, "x.edf")
    assert len(plan.pairs) == 20 and plan.absent == ["A1-T3", "T4-A2"]
    assert "EEG T7-REF" in plan.read and "EKG" not in plan.read
    full = plan_channels([f"EEG {e}-LE" for e in ELECTRODES], "y.edf")
    assert full.pairs == TCP_PAIRS and full.absent == []
    with pytest.raises(MontageError, match=r"z\.edf.*\['C3'\]"):
        plan_channels([f"EEG {e}-REF" for e in ELECTRODES if e != "C3"], "z.edf")


def test_scheduler_matches_predict_signals_for_any_chunking():
    torch.manual_seed(1)
    net = build_model("cnn_rnn", **KWARGS).eval()
    x = np.random.default_rng(0).normal(size=(22, 100 * 77)).astype(np.float32)
    ref = predict_signals(net, x, 100, 77, 32)
    for sizes in ([x.shape[1]], [1234, 5000, 1466], [100] * 77):
        s = WindowScheduler(net, 77, 100, 32)
        pos = 0
        for n in sizes:
            s.feed(x[:, pos : pos + n])
            pos += n
        np.testing.assert_allclose(s.finish(), ref, atol=1e-6)


def test_streaming_equals_whole_recording_preprocessing(tmp_path, run_dir):
    edf = write_edf(tmp_path / "rec.edf", [f"EEG {e}-REF" for e in ELECTRODES], seconds=150, seizures=((40, 70),))
    det = load_detector(run_dir)
    names = [f"EEG {e}-REF" for e in ELECTRODES]
    data, sf = read_channels(edf, names)
    full = apply_steps(apply_bipolar(np.asarray(data, dtype=np.float64), names, TCP_PAIRS), sf, det.steps)[0]
    whole = predict_signals(det.net, full, 100, 150, det.window_steps)
    for chunk_s in (20.0, 1000.0):
        probs, info = stream_probabilities(edf, det.net, det.steps, 1.0, det.window_steps, chunk_s=chunk_s)
        assert probs.shape == (150,) and info["duration_s"] == 150 and info["flat"] == []
        np.testing.assert_allclose(probs, whole, atol=1e-4)


def test_detect_folder_and_single_file_with_errors(tmp_path, run_dir):
    from seizure_app.detect import detect

    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    good = write_edf(data / "pt01_s001_t000.edf", [f"EEG {e}-REF" for e in ELECTRODES], seizures=((30, 55),))
    write_reference(good, [(30.0, 55.0, "fnsz")], 90.0)
    write_edf(data / "sub" / "other.edf", [e.title() for e in ELECTRODES if e not in ("A1", "A2")], seed=2)
    write_edf(data / "sub" / "noc3.edf", [f"EEG {e}-REF" for e in ELECTRODES if e != "C3"])
    (data / "sub" / "broken.edf").write_bytes(b"0       garbage" * 10)

    man = detect([str(data)], str(run_dir), tmp_path / "out", chunk_s=30)
    assert sorted(r["bname"] for r in man["recordings"]) == ["other", "pt01_s001_t000"]
    reasons = {Path(e["recording"]).name: e["reason"] for e in man["errors"]}
    assert set(reasons) == {"noc3.edf", "broken.edf"}
    assert "C3" in reasons["noc3.edf"] and "EdfError" in reasons["broken.edf"]
    rec = next(r for r in man["recordings"] if r["bname"] == "pt01_s001_t000")
    assert rec["patient"] == "pt01" and rec["n_reference_seizures"] == 1 and rec["reference"].endswith(".csv_bi")
    hyp = read_csv_bi(tmp_path / "out" / rec["hyp"])
    assert hyp.duration == 90.0 and hyp.bname == "pt01_s001_t000"
    trace = np.loadtxt(tmp_path / "out" / rec["probs"], delimiter=",", skiprows=1)
    assert trace.shape == (90, 3) and np.all((trace[:, 1] >= 0) & (trace[:, 1] <= 1))
    assert (tmp_path / "out" / rec["timeline"]).read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "out" / "detections.json").read_text())["errors"] == man["errors"]

    single = detect([str(good)], str(run_dir), tmp_path / "one", timelines=False)
    assert [r["bname"] for r in single["recordings"]] == ["pt01_s001_t000"] and single["errors"] == []
    np.testing.assert_allclose(
        np.loadtxt(tmp_path / "one" / "probs" / "pt01_s001_t000.csv", delimiter=",", skiprows=1), trace, atol=1e-5
    )


def test_find_edfs_reports_missing_inputs_and_name_clashes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "r.edf").write_bytes(b"")
    (tmp_path / "b" / "r.edf").write_bytes(b"")
    (tmp_path / "empty").mkdir()
    edfs, errors = find_edfs([tmp_path / "a", tmp_path / "b", tmp_path / "nope.edf", tmp_path / "empty"])
    assert edfs == [tmp_path / "a" / "r.edf"]
    assert [Path(e["recording"]).name for e in errors] == ["r.edf", "nope.edf", "empty"]


@pytest.mark.slow
def test_cli_detect_then_report_and_no_identifying_header_field(tmp_path, run_dir, monkeypatch):
    from seizure_app.cli import main

    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    for i, sz in enumerate([[(20.0, 45.0, "fnsz")], [(10.0, 30.0, "gnsz"), (60.0, 80.0, "fnsz")], []]):
        edf = write_edf(
            data / f"pt{i:02d}_s001_t000.edf",
            [f"EEG {e}-REF" for e in ELECTRODES],
            seed=i,
            seizures=tuple((a, b) for a, b, _ in sz),
        )
        write_reference(edf, sz, 90.0)
    assert main(["detect", str(data), "--model", str(run_dir), "--out", "det"]) == 0
    assert main(["report", "det", "--no-mlflow", "--pdf", "matplotlib", "--n-boot", "200"]) == 0
    out = tmp_path / "det"
    doc = json.loads((out / "report.json").read_text())
    assert doc["data"]["recordings"] == 3 and doc["data"]["seizures"] == 3 and doc["data"]["patients"] == 3
    assert doc["data"]["seizures_by_type"] == {"fnsz": 2, "gnsz": 1}
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-" and (out / "report.html").is_file()
    for f in out.rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert not any(s.encode() in blob for s in SECRETS), f


@pytest.mark.slow
def test_models_uri_loads_the_registered_model(tmp_path, run_dir):
    """`--model models:/NAME/VERSION`: network from the registry, settings from the run's artifacts."""
    from seizure.tracking import Tracker

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    det = load_detector(run_dir)
    with Tracker(uri, "test-detect") as tr:
        for name in ("config.yaml", OPERATING_POINT_FILE, "model.json"):
            tr.log_artifact(run_dir / name)
        tr.log_model(det.net, np.zeros((1, 22, 800), dtype=np.float32), "tiny-detector")
    edf = write_edf(tmp_path / "rec.edf", [f"EEG {e}-REF" for e in ELECTRODES])
    reg = load_detector("models:/tiny-detector/1", tracking_uri=uri, work_dir=tmp_path / "m")
    assert reg.info["run_id"] == tr.run_id and reg.postprocess == det.postprocess
    p1, _ = stream_probabilities(edf, det.net, det.steps, 1.0, det.window_steps)
    p2, _ = stream_probabilities(edf, reg.net, reg.steps, 1.0, reg.window_steps)
    np.testing.assert_allclose(p1, p2, atol=1e-6)
    with pytest.raises(ValueError, match="models:/nope/1"):
        load_detector("models:/nope/1", tracking_uri=uri)


def test_margin_chunking_equals_whole_recording(tmp_path):
    """The path for steps that do not stream (chunks with discarded margins) is exact too."""
    from seizure.source import RecordingSource

    edf = write_edf(tmp_path / "rec.edf", [f"EEG {e}-REF" for e in ELECTRODES], seconds=200, seizures=((50, 90),))
    steps = load_config().data.preprocessing
    names = [f"EEG {e}-REF" for e in ELECTRODES]
    data, sf = read_channels(edf, names)
    whole = apply_steps(apply_bipolar(np.asarray(data, dtype=np.float64), names, TCP_PAIRS), sf, steps)[0]
    blocks = []
    with RecordingSource(edf) as src:
        src.preprocess_chunked(steps, lambda o, b: blocks.append(b), chunk_s=45, margin_s=30)
    chunked = np.concatenate(blocks, axis=1)
    assert chunked.shape == whole.shape
    np.testing.assert_allclose(chunked, whole, atol=1e-4)


@pytest.mark.slow
def test_memory_stays_bounded_on_a_long_recording(tmp_path, run_dir):
    import tracemalloc

    det = load_detector(run_dir)
    labels = [f"EEG {e}-REF" for e in ELECTRODES]
    stream_probabilities(
        write_edf(tmp_path / "warm.edf", labels, seconds=60, sfreq=100.0), det.net, det.steps, 1.0, det.window_steps
    )  # one-off costs (filter design, imports) outside the measurement
    hours = 2
    edf = write_edf(tmp_path / "long.edf", labels, seconds=3600 * hours, sfreq=100.0)
    whole_bytes = len(labels) * 3600 * hours * 100 * 8  # the signal alone as float64
    tracemalloc.start()
    probs, _ = stream_probabilities(edf, det.net, det.steps, 1.0, det.window_steps)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert probs.shape == (3600 * hours,)
    assert peak < 0.25 * whole_bytes, (peak, whole_bytes)


@pytest.mark.parametrize(
    "n, w, m",
    [
        (1, 8, None),
        (7, 8, None),
        (8, 8, None),
        (9, 8, 2),
        (100, 32, None),
        (100, 32, 0),
        (101, 64, 8),
        (64, 64, None),
        (65, 64, 31),
        (5000, 64, None),
    ],
)
def test_window_plan_tiles_the_recording_with_context_on_both_sides(n, w, m):
    from seizure.inference import window_plan

    plan = window_plan(n, w, m)
    ww = min(w, n)
    margin = max(0, min(ww // 8 if m is None else m, (ww - 1) // 2))
    assert [lo for _, lo, _ in plan] == [0] + [hi for _, _, hi in plan[:-1]]  # contiguous, in order
    assert plan[-1][2] == n
    for s, lo, hi in plan:
        assert 0 <= s and s + ww <= n and s <= lo < hi <= s + ww
        assert lo == 0 or lo - s >= margin  # context before every step (but the recording's first)
        assert hi == n or s + ww - hi >= margin  # and after (but the last)
    if n >= 4 * ww:
        assert len(plan) <= n / (ww - 2 * margin) + 2  # each sample processed ~w / (w - 2m) times


def test_fit_on_replaces_the_fitted_file_and_detect_reads_it(tmp_path, run_dir, capsys):
    """`seizure detect --fit-on`: the grid fit is stored as the run's one fitted file, then used."""
    import shutil

    from seizure_app.cli import main

    model = tmp_path / "model"
    shutil.copytree(run_dir, model)
    data = tmp_path / "data"
    data.mkdir()
    for i, sz in enumerate([[(20.0, 45.0, "fnsz")], []]):
        edf = write_edf(
            data / f"pt{i:02d}_s001_t000.edf",
            [f"EEG {e}-REF" for e in ELECTRODES],
            seed=i,
            seizures=tuple((a, b) for a, b, _ in sz),
        )
        write_reference(edf, sz, 90.0)
    assert (
        main(
            [
                "detect",
                str(data),
                "--model",
                str(model),
                "--fit-on",
                str(data),
                "--target-fa",
                "1000",
                "--out",
                str(tmp_path / "det"),
                "--no-timelines",
            ]
        )
        == 0
    )
    assert "operating point fitted on 2 recordings" in capsys.readouterr().out
    fitted = EventDetector.load(model / OPERATING_POINT_FILE)
    assert fitted.fit_info_["chosen_by"] == "seizure detect --fit" and len(fitted.fit_info_["candidates"]) == 27
    assert fitted.fit_info_["selection"] == "fewest_false_alarms" and fitted.fit_info_["recordings"]
    assert load_detector(model).postprocess == fitted
    man = json.loads((tmp_path / "det" / "detections.json").read_text())
    assert man["postprocess"] == fitted.to_dict()
    assert man["model"]["operating_point"]["chosen_by"] == "seizure detect --fit"
    # --operating-point also takes a file in the earlier layout (postprocess + fit)
    old = tmp_path / "old_op.json"
    old.write_text(
        json.dumps({"postprocess": {**fitted.to_dict(), "threshold_": 0.25}, "fit": {"metric": "taes"}, "errors": []})
    )
    from seizure_app.detect import detect

    again = detect([str(data)], str(run_dir), tmp_path / "det2", operating_point=old, timelines=False)
    assert again["postprocess"]["threshold_"] == 0.25 and again["model"]["operating_point"]["file"] == str(old)
    bad = tmp_path / "bad_step.json"
    bad.write_text(json.dumps({**fitted.to_dict(), "step_s": 0.5}))
    from seizure.postprocess import PostprocessError

    with pytest.raises(PostprocessError, match="step_s"):
        detect([str(data)], str(run_dir), tmp_path / "det3", operating_point=bad, timelines=False)
