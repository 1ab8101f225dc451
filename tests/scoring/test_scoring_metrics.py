"""EPOCH, DPALIGN and IRA scoring, and the corpus document of ``score_corpus``."""

from __future__ import annotations

import numpy as np
import pytest

from seizure.io.annotations import Annotation, Event
from seizure.scoring import (
    DEFAULT_METRICS,
    align,
    build_tracks,
    dpalign,
    epoch,
    epoch_confusion,
    kappa,
    label_track,
    score_corpus,
)
from seizure.scoring.epoch import epoch_tracks
from seizure.scoring.ira import label_kappa, multi_class_kappa


def seiz(*spans):
    return [Event(float(a), float(b), "seiz") for a, b in spans]


def sampled_labels(track, times):
    """The official lookup of each time: the first segment whose running max stop is >= t,
    else (or when that segment does not contain t) the last segment. Returns 0 = seiz, 1 = bckg."""
    starts = np.array([s[0] for s in track])
    stops = np.array([s[1] for s in track])
    codes = np.array([s[2] != "seiz" for s in track], dtype=int)
    k = np.minimum(np.searchsorted(np.maximum.accumulate(stops), times, side="left"), len(track) - 1)
    inside = (starts[k] <= times) & (times <= stops[k])
    return np.where(inside, codes[k], codes[-1])


def brute_epoch_confusion(ref, hyp, duration, epoch_s):
    r, h = label_track(ref, duration), label_track(hyp, duration)
    times = epoch_s / 2.0 + np.arange(int(duration / epoch_s) + 2) * epoch_s
    times = times[times <= r[-1][1]]
    conf = np.zeros((2, 2), dtype=int)
    np.add.at(conf, (sampled_labels(r, times), sampled_labels(h, times)), 1)
    return conf


def random_file(rng):
    duration = float(rng.choice([10.0, 37.3, 100.0, 3.14159, 60.00004]))

    def events():
        out = []
        for _ in range(int(rng.integers(0, 6))):
            a = float(rng.uniform(0, duration))
            b = a + float(rng.choice([rng.uniform(0, 3), rng.uniform(0, 0.001), 0.25 * rng.integers(1, 9)]))
            if rng.random() < 0.5:
                a, b = round(a * 4) / 4, round(b * 4) / 4
            if rng.random() < 0.2:
                a, b = round(a, 5), round(b, 5)  # beyond the 4 decimals the tracks are rounded to
            b = min(b, duration)
            if b > a:
                out.append(Event(a, b, "seiz"))
        return out

    return events(), events(), duration


@pytest.mark.parametrize("epoch_s", [0.25, 0.1, 1.0, 0.3])
def test_epoch_ranges_equal_sampling_every_epoch(epoch_s):
    rng = np.random.default_rng(5)
    files = [random_file(rng) for _ in range(300)]
    pairs = [(Annotation(f"f{i}", d, r), Annotation(f"f{i}", d, h)) for i, (r, h, d) in enumerate(files)]
    ref_t, hyp_t, durations = build_tracks(pairs)
    conf = epoch_confusion(ref_t, hyp_t, durations, epoch_s)
    for f, (r, h, d) in enumerate(files):
        assert conf[f].tolist() == brute_epoch_confusion(r, h, d, epoch_s).tolist(), (r, h, d)


def test_epoch_per_file_function_and_validation():
    out = epoch(seiz((1, 3)), seiz((2, 4)), 4.0)
    assert (out["seiz"].targets, out["seiz"].hits, out["seiz"].misses, out["seiz"].false_alarms) == (8, 4, 4, 4)
    with pytest.raises(ValueError, match="epoch_s"):
        epoch([], [], 4.0, epoch_s=0.0)
    ref_t, hyp_t, d = build_tracks([])
    assert epoch_tracks(ref_t, hyp_t, d)["seiz"].shape == (0, 4)


def levenshtein(a, b):
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


def test_align_costs_equal_edit_distance_and_keep_order():
    rng = np.random.default_rng(3)
    for _ in range(300):
        a = rng.integers(0, 2, rng.integers(0, 8)).tolist()
        b = rng.integers(0, 2, rng.integers(0, 8)).tolist()
        path = align(a, b)
        assert [x for x, _ in path if x != -1] == a
        assert [y for _, y in path if y != -1] == b
        assert sum(x != y for x, y in path) == levenshtein(a, b)


def test_dpalign_counts():
    # ref track bckg seiz bckg; hyp bckg seiz bckg seiz bckg: two insertions
    out = dpalign(seiz((10, 20)), seiz((12, 14), (16, 18)), 30.0)
    assert (out["seiz"].targets, out["seiz"].hits, out["seiz"].misses, out["seiz"].false_alarms) == (1, 1, 0, 1)
    assert (out["bckg"].targets, out["bckg"].hits, out["bckg"].misses, out["bckg"].false_alarms) == (2, 2, 0, 1)
    # a missed seizure: the hypothesis track is one bckg segment; two deletions, one hit
    out = dpalign(seiz((10, 20)), [], 30.0)
    assert (out["seiz"].targets, out["seiz"].hits, out["seiz"].misses, out["seiz"].false_alarms) == (1, 0, 1, 0)
    assert out["bckg"].targets + out["seiz"].targets == 3
    # times are ignored: a detection anywhere matches
    out = dpalign(seiz((10, 20)), seiz((25, 28)), 30.0)
    assert (out["seiz"].hits, out["seiz"].false_alarms) == (1, 0)


def cohen_kappa(r, h):
    """Textbook Cohen's kappa of two label vectors."""
    labels = np.union1d(r, h)
    p_o = np.mean(r == h)
    p_e = sum(np.mean(r == k) * np.mean(h == k) for k in labels)
    return (p_o - p_e) / (1 - p_e)


def test_kappa_matches_cohen_and_official_edge_cases():
    conf = np.array([[30, 10], [5, 155]])
    r = np.repeat([0, 0, 1, 1], conf.ravel())
    h = np.repeat([0, 1, 0, 1], conf.ravel())
    expected = cohen_kappa(r, h)
    out = kappa(conf)
    assert out["multi_class_kappa"] == pytest.approx(expected)
    assert out["seiz"]["kappa"] == pytest.approx(expected)
    assert out["bckg"]["kappa"] == pytest.approx(expected)
    # all epochs background in both: p_e = 1 and perfect agreement, reported as 1 (official)
    assert label_kappa(np.array([[0, 0], [0, 40]]), 0) == 1.0
    assert multi_class_kappa(np.array([[0, 0], [0, 40]])) == 1.0
    assert kappa(np.zeros((2, 2)))["multi_class_kappa"] is None
    # three labels: per-label kappa uses the label's row/column and the other diagonal cells
    conf3 = np.array([[5, 1, 0], [2, 7, 1], [0, 1, 9]])
    a, b, c, d = 5.0, 1.0, 2.0, 16.0
    n = a + b + c + d
    p_o, p_e = (a + d) / n, (a + b) / n * (a + c) / n + (c + d) / n * (b + d) / n
    assert label_kappa(conf3, 0) == pytest.approx((p_o - p_e) / (1 - p_e))


def test_score_corpus_document_has_exactly_the_documented_structure():
    pairs = [
        (Annotation("aaaaaaaa_s001_t000", 100.0, seiz((10, 30))), Annotation("h", 100.0, seiz((12, 15), (50, 51)))),
        (Annotation("bbbbbbbb_s001_t000", 300.0, []), Annotation("h", 300.0, [])),
    ]
    doc = score_corpus(pairs)
    assert set(doc) == {"n_files", "total_duration_s", "metrics"}
    assert (doc["n_files"], doc["total_duration_s"]) == (2, 400.0)
    assert list(doc["metrics"]) == list(DEFAULT_METRICS)
    row_keys = {
        "targets",
        "hits",
        "misses",
        "false_alarms",
        "sensitivity",
        "specificity",
        "precision",
        "f1",
        "fa_per_24h",
    }
    for m in ("ovlp", "taes", "epoch", "dpalign"):
        assert set(doc["metrics"][m]) == {"seiz", "bckg"}
        for label in ("seiz", "bckg"):
            assert set(doc["metrics"][m][label]) == row_keys
    assert set(doc["metrics"]["ira"]) == {"seiz", "bckg", "multi_class_kappa"}
    assert set(doc["metrics"]["ira"]["seiz"]) == {"kappa"}
    sz_keys = {"tp", "fp", "ref_true", "sensitivity", "precision", "f1", "fp_per_24h", "per_subject"}
    per_subject = {f"{k}_{s}" for k in ("sensitivity", "precision", "f1", "fp_per_24h") for s in ("mean", "std")}
    per_subject.add("n_subjects")
    for m in ("szcore_event", "szcore_sample"):
        assert set(doc["metrics"][m]) == sz_keys
        assert set(doc["metrics"][m]["per_subject"]) == per_subject
    ovlp = doc["metrics"]["ovlp"]["seiz"]
    assert (ovlp["hits"], ovlp["false_alarms"]) == (1, 1)
    assert ovlp["fa_per_24h"] == pytest.approx(86400 / 400)
    assert doc["metrics"]["epoch"]["seiz"]["fa_per_24h"] == pytest.approx(4 * 0.25 / 400 * 86400)
    # JSON-ready: plain Python numbers or None
    import json

    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_score_corpus_errors_name_the_file():
    ref = Annotation("ref_file_9", 100.0, [Event(1, 2, "artf")])
    with pytest.raises(ValueError, match="ref_file_9.*unknown annotation label"):
        score_corpus([(ref, Annotation("h", 100.0, []))], ("ovlp",))
    with pytest.raises(ValueError, match="hyp_file_9"):
        score_corpus([(Annotation("r", 100.0, []), Annotation("hyp_file_9", 101.0, []))], ("szcore_event",))
    with pytest.raises(ValueError, match="unknown metric"):
        score_corpus([], ("ovlp", "kappa"))
