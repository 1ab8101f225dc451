"""Operating curves (``seizure.operating_point``): vectorized sweeps against file-by-file scoring."""

from __future__ import annotations

import numpy as np
import pytest

from seizure.io.annotations import Event
from seizure.operating_point import (
    CurveError,
    auc_up_to,
    best_sensitivity_at,
    candidate_thresholds,
    curve_summary,
    operating_curves,
    sensitivity_at,
    sweep,
    sweep_postprocessing,
)
from seizure.postprocess import EventDetector
from seizure.scoring import Counts, ovlp, summarize, szcore_event, taes


def make_data(n, step, seed=3):
    rng = np.random.default_rng(seed)
    probs, refs, durations = [], [], []
    for _ in range(n):
        duration = float(rng.integers(200, 1500)) + float(rng.choice([0.0, 0.3]))
        p = rng.beta(0.5, 5, int(duration / step))
        ref = []
        if rng.random() < 0.5:
            a, length = rng.uniform(0, duration - 100), rng.uniform(5, 90)
            ref.append(Event(round(a, 4), round(a + length, 4), "seiz"))
            i, j = int(a / step), int((a + length) / step)
            p[i:j] = np.clip(p[i:j] + rng.uniform(0.2, 0.8), 0, 1)
        probs.append(p)
        refs.append(ref)
        durations.append(duration)
    return probs, refs, durations


def file_by_file(probs, refs, durations, detector, thresholds, scorer):
    """The definition: predict each recording, score it alone, add the counts up."""
    total = float(sum(durations))
    rows = []
    for thr in np.sort(thresholds):
        acc = Counts()
        for p, ref, dur in zip(probs, refs, durations):
            acc = acc + scorer(ref, detector.predict(p, duration=dur, threshold=float(thr)), dur)
        s = summarize(acc, total)
        rows.append(
            {
                "threshold": float(thr),
                "sensitivity": s["sensitivity"],
                "fa_per_24h": s["fa_per_24h"],
                "hits": acc.hits,
                "targets": acc.targets,
                "false_alarms": acc.false_alarms,
            }
        )
    return rows


def szcore_counts(ref, hyp, dur):
    out = szcore_event(ref, hyp, dur)
    return Counts(out["ref_true"], out["tp"], out["ref_true"] - out["tp"], out["fp"])


@pytest.mark.parametrize(
    "detector, n, stride",
    [(EventDetector(1.0, 5.0, 5.0, 10.0), 20, 5), (EventDetector(0.25, 2.0, 0.0, 0.0), 8, 12)],
    ids=["1s-steps", "quarter-steps-no-merge"],
)
def test_sweep_equals_file_by_file_scoring(detector, n, stride):
    probs, refs, durations = make_data(n, detector.step_s)
    thresholds = candidate_thresholds(probs, detector)[::stride]
    scorers = {
        "ovlp": lambda r, h, d: ovlp(r, h, d)["seiz"],
        "taes": lambda r, h, d: taes(r, h, d)["seiz"],
        "taes_exact": lambda r, h, d: taes(r, h, d, exact=True)["seiz"],
    }
    for metric, scorer in scorers.items():
        expected = file_by_file(probs, refs, durations, detector, thresholds, scorer)
        got = sweep(probs, refs, durations, detector, thresholds, metric)
        for a, b in zip(expected, got):
            assert a.keys() == b.keys()
            for k in a:
                assert a[k] == pytest.approx(b[k], abs=1e-9), (metric, k)
    got = sweep(probs, refs, durations, detector, thresholds, "szcore")
    expected = file_by_file(probs, refs, durations, detector, thresholds, szcore_counts)
    for a, b in zip(expected, got):
        assert (a["hits"], a["targets"], a["false_alarms"]) == (b["hits"], b["targets"], b["false_alarms"])


def test_operating_curves_share_one_pass_and_validate_metric():
    probs, refs, durations = make_data(10, 1.0)
    det = EventDetector(1.0, 5.0, 5.0, 10.0)
    thr = np.array([0.9, 0.3, 0.5])
    curves = operating_curves(probs, refs, durations, det, thr, ("ovlp", "szcore_event"))
    assert set(curves) == {"ovlp", "szcore"}
    assert [r["threshold"] for r in curves["ovlp"]] == [0.3, 0.5, 0.9]
    fas = [r["fa_per_24h"] for r in curves["ovlp"]]
    assert fas == sorted(fas, reverse=True)
    with pytest.raises(CurveError, match="unknown curve metric"):
        sweep(probs, refs, durations, det, thr, "epoch")
    with pytest.raises(CurveError, match="one entry per recording"):
        sweep(probs, refs[:-1], durations, det, thr)


CURVE = [
    {"threshold": 0.9, "fa_per_24h": 0.5, "sensitivity": 0.2},
    {"threshold": 0.7, "fa_per_24h": 1.5, "sensitivity": 0.4},
    {"threshold": 0.5, "fa_per_24h": 4.0, "sensitivity": 0.6},
    {"threshold": 0.3, "fa_per_24h": 8.0, "sensitivity": 0.5},  # worse than a cheaper point
    {"threshold": 0.1, "fa_per_24h": 20.0, "sensitivity": 0.9},
]


def test_sensitivity_at_fixed_fa_levels():
    assert sensitivity_at(CURVE) == {1.0: 0.2, 2.0: 0.4, 6.0: 0.6, 10.0: 0.6}
    assert sensitivity_at(CURVE, (0.1,)) == {0.1: None}
    assert best_sensitivity_at(CURVE, 8.0)["threshold"] == 0.5


def test_auc_up_to_is_the_area_under_the_best_envelope():
    # envelope on [0, 10]: 0 until 0.5, 0.2 until 1.5, 0.4 until 4, then 0.6
    expected = (0.2 * 1.0 + 0.4 * 2.5 + 0.6 * 6.0) / 10.0
    assert auc_up_to(CURVE, 10.0) == pytest.approx(expected)
    assert auc_up_to(CURVE, 1.0) == pytest.approx(0.2 * 0.5)
    assert auc_up_to([{"fa_per_24h": 0.0, "sensitivity": 1.0}], 5.0) == 1.0
    assert auc_up_to([{"fa_per_24h": 1.0, "sensitivity": None}], 5.0) is None
    with pytest.raises(CurveError, match="max_fa_per_24h"):
        auc_up_to(CURVE, 0.0)
    s = curve_summary(CURVE, 10.0)
    assert s["auc"] == pytest.approx(expected) and s["sensitivity_at"][2.0] == 0.4


def test_threshold_only_fit_meets_target_on_dev():
    """The cheap fit (a one-point grid): the best sensitivity within the target, from the sweep's curve."""
    probs, refs, durations = make_data(30, 1.0, seed=8)
    det = EventDetector(1.0, 5.0, 5.0, 10.0)
    fitted = EventDetector(1.0, 5.0, 5.0, 10.0).fit(probs, refs, durations, target_fa_per_24h=30.0)
    assert fitted.threshold_ is not None and det.threshold_ is None
    curve = sweep(probs, refs, durations, det, candidate_thresholds(probs, det))
    assert fitted.curve_ == curve
    chosen = next(r for r in curve if r["threshold"] == fitted.threshold_)
    assert chosen["fa_per_24h"] <= 30.0 + 1e-9 and fitted.target_met_
    assert chosen["sensitivity"] == best_sensitivity_at(curve, 30.0)["sensitivity"] == fitted.sensitivity_
    assert (fitted.smooth_s_, fitted.min_duration_s_, fitted.merge_gap_s_) == (5.0, 5.0, 10.0)


def test_candidate_thresholds_fixed_grid():
    probs, _, _ = make_data(4, 1.0)
    det = EventDetector(1.0, 0.0, 0.0, 0.0)
    default = candidate_thresholds(probs, det, 10)
    coarse = candidate_thresholds(probs, det, 10, fixed=np.linspace(0.05, 0.95, 19))
    assert 0.02 in default and 0.02 not in coarse and 0.05 in coarse
    np.testing.assert_array_equal(candidate_thresholds([], det), np.linspace(0.05, 0.95, 19))


def test_sweep_postprocessing_grid():
    probs, refs, durations = make_data(8, 1.0)
    det = EventDetector(1.0, 5.0, 5.0, 10.0)
    out = sweep_postprocessing(
        probs,
        refs,
        durations,
        det,
        {"smooth_s": [0, 5], "min_duration_s": [2]},
        thresholds=np.linspace(0.1, 0.9, 5),
        metrics=("ovlp", "szcore"),
    )
    assert [o["settings"] for o in out] == [
        {"smooth_s": 0.0, "min_duration_s": 2.0},
        {"smooth_s": 5.0, "min_duration_s": 2.0},
    ]
    for o in out:
        assert set(o["curves"]) == {"ovlp", "szcore"} and len(o["curves"]["ovlp"]) == 5
        assert set(o["summary"]["ovlp"]) == {"auc", "max_fa_per_24h", "sensitivity_at"}
    with pytest.raises(CurveError, match="unknown post-processing"):
        sweep_postprocessing(probs, refs, durations, det, {"threshold_": [0.5]})
