"""Fitting the post-processing (smoothing, minimum duration, merge gap, threshold) to a target:
the grid search of ``seizure detect --fit-on`` (``EventDetector.fit`` with ``DEFAULT_GRID``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seizure._validation import SeizureError
from seizure.io.annotations import Event
from seizure.operating_point import sweep
from seizure.postprocess import DEFAULT_GRID, EventDetector, PostprocessError


def fit_grid(probs, refs, durs, step_s, target_fa_per_24h=None, target_sensitivity=None, metric="ovlp", grid=None):
    """The fit of ``seizure detect --fit-on``: the default grid, fewest false alarms among ties."""
    det = EventDetector(step_s).fit(
        probs,
        refs,
        durs,
        target_fa_per_24h,
        target_sensitivity,
        metric,
        {**DEFAULT_GRID, **(grid or {})},
        selection="fewest_false_alarms",
    )
    return det, det.fit_info_


def _dev_set(seed: int = 0):
    """Seizures with high, sustained probability; spiky 1-3 s artefacts elsewhere (removed by
    smoothing or a minimum duration, not by the threshold alone)."""
    rng = np.random.default_rng(seed)
    probs, refs, durs = [], [], []
    for k in range(6):
        p = rng.uniform(0.0, 0.2, 1800)
        ref = []
        if k % 2 == 0:
            a = 300 + 100 * k
            p[a : a + 40] = rng.uniform(0.6, 0.8, 40)
            ref.append(Event(float(a), float(a + 40), "seiz"))
        for s in rng.choice(np.arange(100, 1700), 8, replace=False):
            if not any(e.start - 5 <= s <= e.stop + 5 for e in ref):
                p[s : s + rng.integers(1, 3)] = 0.95
        probs.append(p)
        refs.append(ref)
        durs.append(1800.0)
    return probs, refs, durs


def test_target_fa_needs_more_than_a_threshold():
    probs, refs, durs = _dev_set()
    det, fit = fit_grid(
        probs,
        refs,
        durs,
        1.0,
        target_fa_per_24h=0.0,
        grid={"smooth_s": [0.0, 5.0], "min_duration_s": [0.0, 5.0], "merge_gap_s": [0.0]},
    )
    assert fit["target_met"] and fit["chosen"]["sensitivity"] == 1.0 and fit["chosen"]["fa_per_24h"] == 0.0
    assert det.smooth_s > 0 or det.min_duration_s > 0  # the spikes cannot be thresholded away
    # the bare threshold cannot reach full sensitivity without false alarms
    bare = [c for c in fit["candidates"] if c["smooth_s"] == 0 and c["min_duration_s"] == 0][0]
    assert bare["sensitivity"] < 1.0 or bare["fa_per_24h"] > 0
    # the chosen settings reproduce the chosen row
    row = sweep(probs, refs, durs, det, np.array([det.threshold_]))[0]
    assert (row["sensitivity"], row["fa_per_24h"]) == (fit["chosen"]["sensitivity"], fit["chosen"]["fa_per_24h"])


def test_target_sensitivity_takes_the_fewest_false_alarms():
    probs, refs, durs = _dev_set(1)
    det, fit = fit_grid(probs, refs, durs, 1.0, target_sensitivity=1.0)
    assert fit["target"] == {"kind": "sensitivity", "value": 1.0} and fit["target_met"]
    best_fa = min(c["fa_per_24h"] for c in fit["candidates"] if c["met"])
    assert fit["chosen"]["fa_per_24h"] == best_fa
    again = EventDetector.from_dict(json.loads(json.dumps(det.to_document())))
    assert again == det and again.predict(probs[0]) == det.predict(probs[0])
    assert (again.smooth_s_, again.threshold_, again.fit_info_["candidates"]) == (
        det.smooth_s_,
        det.threshold_,
        fit["candidates"],
    )


def test_unreachable_target_is_flagged_and_closest_point_taken():
    probs, refs, durs = _dev_set(2)
    probs = [np.full_like(p, 0.5) for p in probs]  # no information at all
    det, fit = fit_grid(
        probs,
        refs,
        durs,
        1.0,
        target_sensitivity=1.0,
        metric="taes",
        grid={"smooth_s": [0.0], "min_duration_s": [0.0], "merge_gap_s": [0.0]},
    )
    assert fit["metric"] == "taes"
    assert fit["target_met"] is (fit["chosen"]["sensitivity"] >= 1.0)
    assert isinstance(det, EventDetector) and det.threshold_ is not None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "exactly one"),
        ({"target_fa_per_24h": 1.0, "target_sensitivity": 0.5}, "exactly one"),
        ({"target_sensitivity": 75.0}, "fraction"),
        ({"target_fa_per_24h": 1.0, "metric": "epoch"}, "metric"),
        ({"target_fa_per_24h": 1.0, "grid": {"smoothing": [1.0]}}, "unknown key"),
        ({"target_fa_per_24h": -1.0}, "target_fa_per_24h"),
        ({"target_fa_per_24h": float("nan")}, "target_fa_per_24h"),
        ({"target_fa_per_24h": 1.0, "grid": {"smooth_s": []}}, "grid.smooth_s"),
        ({"target_fa_per_24h": 1.0, "grid": {"merge_gap_s": [-5.0]}}, "grid.merge_gap_s"),
    ],
)
def test_bad_arguments(kwargs, match):
    probs, refs, durs = _dev_set()
    with pytest.raises(PostprocessError, match=match) as info:
        fit_grid(probs, refs, durs, 1.0, **kwargs)
    assert isinstance(info.value, SeizureError)


def test_bad_fit_calls_name_the_field():
    probs, refs, durs = _dev_set()
    with pytest.raises(PostprocessError, match="selection"):
        EventDetector().fit(probs, refs, durs, 1.0, selection="best")
    with pytest.raises(PostprocessError, match="no recordings"):
        EventDetector().fit([], [], [], 1.0)
    with pytest.raises(PostprocessError, match="n_thresholds"):
        EventDetector().fit(probs, refs, durs, 1.0, n_thresholds=0)
    with pytest.raises(SeizureError, match="one entry per recording"):
        EventDetector().fit(probs, refs[:-1], durs, 1.0)
    with pytest.raises(PostprocessError, match="threshold_"):
        EventDetector().predict(probs[0])
    with pytest.raises(PostprocessError, match="step_s"):
        EventDetector(step_s=0.0)
    with pytest.raises(PostprocessError, match="smooth_s"):
        EventDetector(smooth_s=-1.0)


def test_from_dict_rejects_unfitted_or_unknown_settings():
    with pytest.raises(PostprocessError, match="threshold_"):
        EventDetector.from_dict({"step_s": 1.0, "threshold_": None})
    with pytest.raises(PostprocessError, match="unknown key"):
        EventDetector.from_dict({"step_s": 1.0, "threshold_": 0.5, "smoothing": 3})
    with pytest.raises(PostprocessError, match="threshold_"):
        EventDetector.from_dict({"step_s": 1.0, "threshold_": 1.5})
    with pytest.raises(PostprocessError, match="unknown key"):
        EventDetector.from_dict({"postprocess": {"step_s": 1.0, "threshold_": 0.5}, "extra": 1})
    with pytest.raises(PostprocessError, match="not fitted"):
        EventDetector().to_document()
