"""One recording source: prepare and detect read the same EDF into the same arrays, and refuse the
same recordings (flat electrodes, too low a rate, EDF+D) for the same reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from seizure.cache import prepare_corpus, prepare_recording
from seizure.config import load_config
from seizure.detection import stream as stream_mod
from seizure.detection import stream_probabilities
from seizure.inference import WindowScheduler, predict_signals
from seizure.io.corpus import Recording
from seizure.source import QualityError, RecordingSource, check_rate, min_source_sfreq

STEPS = load_config().data.preprocessing  # the default preprocessing, as prepare and detect run it


def tusz_path(root: Path, subject: str, split: str = "dev") -> Path:
    return root / "edf" / split / subject / "s001_2020_01_01" / "01_tcp_ar" / f"{subject}_s001_t000.edf"


def rec_of(path: Path, split: str = "dev") -> Recording:
    return Recording(split, path.stem[:8], "s001", "2020-01-01", "t000", "01_tcp_ar", str(path), None,
                     str(path.with_suffix(".csv_bi")))  # fmt: skip


class Recorder(WindowScheduler):
    """The scheduler ``seizure detect`` uses, keeping a copy of every block it is fed."""

    fed: list[np.ndarray] = []

    def feed(self, chunk: np.ndarray) -> None:
        Recorder.fed.append(np.array(chunk, copy=True))
        super().feed(chunk)


@pytest.fixture(scope="module")
def write_edf(write_tusz_edf):
    return write_tusz_edf


@pytest.fixture(scope="module")
def net(tiny_run_dir):
    from seizure.detection import load_detector

    return load_detector(tiny_run_dir).net


@pytest.mark.parametrize("sfreq", [250.0, 256.0])
def test_prepare_and_detect_paths_give_identical_arrays(write_edf, tmp_path, monkeypatch, net, sfreq):
    edf = write_edf(tusz_path(tmp_path, "aaaaaaab"), sfreq=sfreq)
    entry = prepare_recording(rec_of(edf), STEPS, tmp_path / "cache")
    Recorder.fed = []
    monkeypatch.setattr(stream_mod, "WindowScheduler", Recorder)
    probs, info = stream_probabilities(edf, net, STEPS, 1.0, 64, chunk_s=37.0)
    streamed = np.concatenate(Recorder.fed, axis=1)
    assert streamed.shape == entry.signals.shape == (22, 120 * 100)
    np.testing.assert_array_equal(streamed, entry.signals)  # bit for bit, absent rows included
    assert info["channels"] == [c for c, p in zip(entry.meta["channels"], entry.meta["present"]) if p]
    whole = predict_signals(net, np.asarray(entry.signals), 100, 120, 64)  # evaluation's path over the cache
    np.testing.assert_allclose(probs, whole, rtol=0, atol=1e-6)


def test_flat_line_edf_is_refused_alike_by_prepare_and_detect(write_edf, tmp_path, tiny_run_dir):
    from seizure_app.detect import detect

    good = write_edf(tusz_path(tmp_path, "aaaaaaac"))
    flat = write_edf(tusz_path(tmp_path, "aaaaaaad"), flat=True)  # a flat-line "recording"
    entries, exclusions = prepare_corpus([rec_of(good), rec_of(flat)], STEPS, tmp_path / "cache")
    assert [e.meta["edf"] for e in entries] == [str(good)]
    assert len(exclusions) == 1 and exclusions[0]["recording"] == str(flat)
    assert "QualityError" in exclusions[0]["reason"] and "flat (constant) channel(s)" in exclusions[0]["reason"]

    doc = detect([str(good), str(flat)], str(tiny_run_dir), out_dir=tmp_path / "det", say=lambda s: None)
    assert [r["bname"] for r in doc["recordings"]] == [good.stem]
    assert [e["recording"] for e in doc["errors"]] == [str(flat)]
    assert doc["errors"][0]["reason"] == exclusions[0]["reason"]  # the same refusal, word for word
    assert not (tmp_path / "det" / "hyp" / f"{flat.stem}.csv_bi").exists()  # no detection for it
    manifest = json.loads((tmp_path / "det" / "detections.json").read_text())
    assert [e["recording"] for e in manifest["errors"]] == [str(flat)]


def test_one_flat_electrode_is_named(write_edf, tmp_path, net):
    edf = write_edf(tusz_path(tmp_path, "aaaaaaae"), flat=("O2",))
    with pytest.raises(QualityError, match=r"flat \(constant\) channel\(s\) \['EEG O2-REF'\]"):
        prepare_recording(rec_of(edf), STEPS, tmp_path / "cache")
    with pytest.raises(QualityError, match=r"flat \(constant\) channel\(s\) \['EEG O2-REF'\]"):
        stream_probabilities(edf, net, STEPS, 1.0, 64)


def test_too_low_a_rate_is_refused_with_the_minimum(write_edf, tmp_path, net):
    assert min_source_sfreq(STEPS) == 80.0  # the default band-pass keeps up to 40 Hz
    edf = write_edf(tusz_path(tmp_path, "aaaaaaaf"), sfreq=50.0)
    msg = r"sampling rate 50 Hz is too low.* more than 80 Hz"
    with pytest.raises(QualityError, match=msg):
        prepare_recording(rec_of(edf), STEPS, tmp_path / "cache")
    with pytest.raises(QualityError, match=msg):
        stream_probabilities(edf, net, STEPS, 1.0, 64)
    check_rate(81.0, STEPS)  # just above the minimum is accepted
    check_rate(1.0, [{"name": "scale", "factor": 0.01}])  # no filter: no minimum


def test_edf_plus_d_is_refused_instead_of_shifting_times(write_edf, tmp_path, net):
    edf = write_edf(tusz_path(tmp_path, "aaaaaaag"))
    with open(edf, "r+b") as fh:  # reserved header field (44 bytes at offset 192)
        fh.seek(192)
        fh.write(b"EDF+D".ljust(44))
    with pytest.raises(QualityError, match=r"EDF\+D \(discontinuous\)"):
        RecordingSource(edf)
    with pytest.raises(QualityError, match=r"EDF\+D"):
        stream_probabilities(edf, net, STEPS, 1.0, 64)
    _, excl = prepare_corpus([rec_of(edf)], STEPS, tmp_path / "cache")
    assert "EDF+D" in excl[0]["reason"]
