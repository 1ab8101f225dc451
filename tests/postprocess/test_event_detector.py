"""``EventDetector.fit``: the one operating-point fitter, its fitted file and the earlier run-folder layouts.

The expected values of the regression tests were computed with the fitters this one replaced
(``operating_point.fit_threshold`` for training and the baseline, ``detection.operating.fit_postprocess``
for ``seizure detect --fit-on``, the threshold sweep of ``DevEventMetrics``) on the traces below.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from seizure.baseline import fit_baseline
from seizure.detection.model import load_operating_point
from seizure.io.annotations import Event
from seizure.postprocess import DEFAULT_GRID, OPERATING_POINT_FILE, EventDetector, PostprocessError
from seizure.training.callbacks import DevEventMetrics


def traces(seed: int = 13, n: int = 12):
    """Beta noise, seizures raised by a random offset, and 1-3 s artefacts (fixed by ``seed``)."""
    rng = np.random.default_rng(seed)
    probs, refs, durs = [], [], []
    for k in range(n):
        dur = 1200.0 + 60.0 * k
        p = rng.beta(0.6, 6.0, int(dur))
        ref = []
        for j in range(k % 3):
            a = 150.0 + 400.0 * j + 10.0 * k
            length = 20.0 + 7.0 * ((k + j) % 5)
            ref.append(Event(a, a + length, "seiz"))
            p[int(a) : int(a + length)] = np.clip(p[int(a) : int(a + length)] + rng.uniform(0.25, 0.7), 0, 1)
        for s in rng.choice(np.arange(50, int(dur) - 50), 6, replace=False):
            p[s : s + rng.integers(1, 4)] = rng.uniform(0.7, 0.99)
        probs.append(p)
        refs.append(ref)
        durs.append(dur)
    return probs, refs, durs


@pytest.fixture(scope="module")
def data():
    return traces()


@pytest.fixture(scope="module")
def spiky(data):
    """The same traces with a 2 s artefact of probability 1 in every recording: FA/24h never reaches 0."""
    probs = [p.copy() for p in data[0]]
    for p in probs:
        p[40:42] = 1.0
    return probs, data[1], data[2]


@pytest.mark.parametrize(
    "target, threshold, sensitivity, fa",
    [
        (5.0, 0.52, 0.9166666666666666, 4.705882352941177),
        (20.0, 0.42, 1.0, 14.117647058823529),
    ],
)
def test_training_fit_chooses_the_thresholds_of_the_earlier_code(data, target, threshold, sensitivity, fa):
    det = EventDetector(1.0, 5.0, 5.0, 10.0).fit(*data, target_fa_per_24h=target)
    assert (det.threshold_, det.sensitivity_, det.fa_per_24h_, det.target_met_) == (threshold, sensitivity, fa, True)
    assert (det.smooth_s_, det.min_duration_s_, det.merge_gap_s_) == (5.0, 5.0, 10.0)
    assert det.fit_info_["selection"] == "plateau_median" and len(det.fit_info_["candidates"]) == 1
    base = fit_baseline(*data, EventDetector(1.0, 5.0, 5.0, 10.0), target)  # the baseline: the same fitter
    assert base.threshold_ == threshold and base.fit_info_ == det.fit_info_


@pytest.mark.parametrize("target, threshold", [(5.0, 0.56), (20.0, 0.42135)])
def test_the_selections_differ_on_a_one_point_grid(data, target, threshold):
    """``fewest_false_alarms`` (the --fit-on rule) breaks ties on false alarms; training's rule does not."""
    det = EventDetector(1.0, 5.0, 5.0, 10.0).fit(*data, target_fa_per_24h=target, selection="fewest_false_alarms")
    assert det.threshold_ == threshold
    assert det.threshold_ != EventDetector(1.0, 5.0, 5.0, 10.0).fit(*data, target_fa_per_24h=target).threshold_


@pytest.mark.parametrize("target", [{"target_fa_per_24h": 5.0}, {"target_sensitivity": 0.9}])
def test_fit_on_grid_chooses_the_settings_of_the_earlier_code(data, target):
    det = EventDetector(1.0).fit(*data, **target, grid=DEFAULT_GRID, selection="fewest_false_alarms")
    assert det.to_dict() == {
        "step_s": 1.0,
        "smooth_s": 0.0,
        "min_duration_s": 10.0,
        "merge_gap_s": 0.0,
        "threshold_": 0.16,
    }
    assert (det.sensitivity_, det.fa_per_24h_, det.target_met_) == (1.0, 0.0, True)
    assert len(det.fit_info_["candidates"]) == 27


def _dev_metrics(probs, refs, durs, detector, target):
    cb = DevEventMetrics([], 1.0, 64, detector, target, n_thresholds=30)
    cb.refs, cb.durations = refs, durs
    cb.dev_probabilities = lambda net: probs
    return cb.evaluate(None)


@pytest.mark.parametrize("target", [5.0, 20.0])
def test_dev_metrics_log_the_figures_of_the_earlier_code(data, target):
    res = _dev_metrics(*data, EventDetector(1.0, 5.0, 5.0, 10.0), target)
    assert res == {"sensitivity": 0.9166666666666666, "fa_per_24h": 0.0, "threshold": 0.55}


def test_unreachable_target_takes_the_fewest_false_alarms(spiky):
    det = EventDetector(1.0, 0.0, 0.0, 0.0).fit(*spiky, target_fa_per_24h=0.0)
    assert (det.threshold_, det.sensitivity_, det.fa_per_24h_) == (1.0, 0.16666666666666666, 56.470588235294116)
    assert det.target_met_ is False and det.fit_info_["target_met"] is False
    assert _dev_metrics(*spiky, EventDetector(1.0, 0.0, 0.0, 0.0), 0.0) == {
        "sensitivity": 0.0,
        "fa_per_24h": 56.470588235294116,
        "threshold": 1.0,
    }
    other = EventDetector(1.0, 0.0, 0.0, 0.0).fit(*spiky, 0.0, selection="fewest_false_alarms")
    assert (other.threshold_, other.target_met_) == (1.0, False)


def test_target_sensitivity_takes_the_fewest_false_alarms_at_that_sensitivity(data):
    from seizure.operating_point import candidate_thresholds, sweep

    probs, refs, durs = data
    det = EventDetector(1.0, 5.0, 5.0, 10.0)
    curve = sweep(probs, refs, durs, det, candidate_thresholds(probs, det))
    ok = [r for r in curve if r["sensitivity"] >= 0.9]
    fewest = min(r["fa_per_24h"] for r in ok)
    plateau = [r["threshold"] for r in ok if r["fa_per_24h"] == fewest]
    for selection, expected in (("plateau_median", plateau[len(plateau) // 2]), ("plateau_highest", plateau[-1])):
        fitted = EventDetector(1.0, 5.0, 5.0, 10.0).fit(probs, refs, durs, target_sensitivity=0.9, selection=selection)
        assert fitted.threshold_ == expected and fitted.fa_per_24h_ == fewest and fitted.target_met_
    full = EventDetector(1.0, 5.0, 5.0, 10.0).fit(probs, refs, durs, target_sensitivity=1.0)
    assert full.sensitivity_ == max(r["sensitivity"] for r in curve)  # met or not: the best sensitivity


def test_predict_applies_the_fitted_settings(data):
    probs, refs, durs = data
    det = EventDetector(1.0, 5.0, 5.0, 10.0).fit(probs, refs, durs, 5.0, grid={"min_duration_s": [0.0, 10.0]})
    assert det.min_duration_s == 5.0 and det.min_duration_s_ in (0.0, 10.0)
    fixed = EventDetector(1.0, 5.0, det.min_duration_s_, 10.0, det.threshold_)
    assert det.detect(probs[1], durs[1]) == fixed.predict(probs[1], durs[1])


def test_fitted_file_round_trip(tmp_path, data):
    det = EventDetector(1.0, 5.0, 5.0, 10.0).fit(*data, target_fa_per_24h=5.0)
    path = det.save(tmp_path / OPERATING_POINT_FILE, chosen_by="training", split="dev")
    doc = json.loads(path.read_text())
    assert doc["kind"] == "seizure-operating-point" and doc["version"] == 2
    assert doc["postprocess"] == det.to_dict() and doc["fit"]["chosen_by"] == "training"
    again = EventDetector.load(path)
    assert again == det and again.fit_info_["split"] == "dev"
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(PostprocessError, match="bad.json: not JSON"):
        EventDetector.load(tmp_path / "bad.json")


SETTINGS = {"step_s": 1.0, "smooth_s": 3.0, "min_duration_s": 2.0, "merge_gap_s": 5.0, "threshold_": 0.5}
DEV_FIT = {
    "target_fa_per_24h": 20.0,
    "threshold": 0.5,
    "sensitivity": 0.75,
    "fa_per_24h": 12.0,
    "hits": 3.0,
    "targets": 4.0,
    "false_alarms": 2.0,
}


def _old_fit_on_file(threshold: float) -> dict:
    """``operating_point.json`` as ``seizure detect --fit-on`` wrote it before it held the whole fit."""
    return {
        "postprocess": {**SETTINGS, "smooth_s": 0.0, "threshold_": threshold},
        "fit": {
            "target": {"kind": "sensitivity", "value": 0.9},
            "metric": "ovlp",
            "target_met": True,
            "chosen": {
                "threshold": threshold,
                "sensitivity": 1.0,
                "fa_per_24h": 3.0,
                "hits": 4.0,
                "targets": 4.0,
                "false_alarms": 1.0,
            },
            "candidates": [],
            "chosen_by": "seizure detect --fit",
            "split": "dev",
        },
        "errors": [],
    }


@pytest.fixture
def old_run(tmp_path):
    """A run folder written by the earlier code: ``postprocess.json`` and ``metrics.json`` only."""
    (tmp_path / "postprocess.json").write_text(json.dumps(SETTINGS))
    (tmp_path / "metrics.json").write_text(json.dumps({"results": {"model": {"dev_fit": DEV_FIT}}}))
    return tmp_path


def test_old_run_folder_with_postprocess_json_only(old_run, caplog):
    with caplog.at_level(logging.INFO, logger="seizure"):
        det, name = load_operating_point(old_run)
    assert name == "postprocess.json" and det.to_dict() == SETTINGS
    assert det.fit_info_["target"] == {"kind": "fa_per_24h", "value": 20.0} and det.fit_info_["chosen_by"] == "training"
    assert det.fit_info_["chosen"]["sensitivity"] == 0.75 and det.target_met_ is True
    assert any(
        "read the training fit from postprocess.json" in r.getMessage() and r.levelno == logging.INFO
        for r in caplog.records
    )


def test_old_run_folder_with_both_files_reads_the_fit_on_one_and_says_so(old_run, caplog):
    (old_run / OPERATING_POINT_FILE).write_text(json.dumps(_old_fit_on_file(0.3)))
    with caplog.at_level(logging.INFO, logger="seizure"):
        det, name = load_operating_point(old_run)
    assert name == OPERATING_POINT_FILE and det.threshold_ == 0.3 and det.smooth_s_ == 0.0
    assert det.fit_info_["selection"] == "fewest_false_alarms" and det.sensitivity_ == 1.0
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("earlier layout" in m and OPERATING_POINT_FILE in m for m in messages)
    assert any("postprocess.json" in m and "not read" in m for m in messages)


def test_current_run_folder_reads_one_file_quietly(tmp_path, data, caplog):
    det = EventDetector(1.0, 5.0, 5.0, 10.0).fit(*data, target_fa_per_24h=5.0)
    det.save(tmp_path / OPERATING_POINT_FILE, chosen_by="training")
    with caplog.at_level(logging.INFO, logger="seizure"):
        again, name = load_operating_point(tmp_path)
    assert name == OPERATING_POINT_FILE and again == det and not caplog.records
    with pytest.raises(FileNotFoundError, match=OPERATING_POINT_FILE):
        load_operating_point(tmp_path / "nowhere")
