"""SzCORE event and sample scoring (``seizure.scoring.szcore``), cross-checked with ``timescoring``."""

from __future__ import annotations

import numpy as np
import pytest

from seizure.io.annotations import Annotation, Event
from seizure.scoring import ScoringError, SzcoreParams, score_corpus, subject_of, szcore_event, szcore_sample
from seizure.scoring.szcore import Spans, aggregate, event_counts, sample_counts

ts_scoring = pytest.importorskip("timescoring.scoring")
TsAnnotation = pytest.importorskip("timescoring.annotations").Annotation


def seiz(*spans):
    return [Event(float(a), float(b), "seiz") for a, b in spans]


def random_events(rng, duration):
    """Sorted, non-overlapping events with every awkward case: touching, sub-sample, long, near gaps."""
    out, t = [], 0.0
    for _ in range(int(rng.integers(0, 8))):
        t += float(rng.exponential(duration / 6))
        length = float(rng.choice([rng.uniform(0.01, 2), rng.uniform(1, 200), rng.uniform(200, 900)]))
        if rng.random() < 0.5:
            t = round(t, 1)
        if t + length > duration:
            break
        out.append((t, t + length))
        t += length + float(rng.choice([0.0, rng.uniform(0, 5), rng.uniform(80, 100)]))
    return out


def timescoring_counts(ref, hyp, fs, n, params=None):
    r, h = TsAnnotation(ref, fs, n), TsAnnotation(hyp, fs, n)
    ev = ts_scoring.EventScoring(r, h) if params is None else ts_scoring.EventScoring(r, h, params)
    sa = ts_scoring.SampleScoring(r, h)
    return (ev.tp, ev.fp, ev.refTrue, ev.numSamples), (sa.tp, sa.fp, sa.refTrue, sa.numSamples)


def ours(counts, f=0):
    return tuple(int(counts[k][f]) for k in ("tp", "fp", "ref_true", "n_samples"))


def test_randomized_event_sets_match_timescoring_defaults():
    rng = np.random.default_rng(20240)
    for _ in range(400):
        fs = int(rng.choice([1, 4, 10, 256]))
        n = int(rng.integers(50, 4000) * fs / rng.choice([1, 1, 3]))
        duration = n / fs
        ref, hyp = random_events(rng, duration), random_events(rng, duration)
        r, h, d = Spans.from_lists([ref]), Spans.from_lists([hyp]), np.array([duration])
        expected_event, expected_sample = timescoring_counts(ref, hyp, fs, n)
        assert ours(event_counts(r, h, d)) == tuple(map(int, expected_event)), (fs, n, ref, hyp)
        assert ours(sample_counts(r, h, d)) == tuple(map(int, expected_sample)), (fs, n, ref, hyp)


def test_randomized_corpus_in_one_call_matches_file_by_file():
    rng = np.random.default_rng(7)
    durations = rng.integers(100, 5000, 60).astype(float)
    refs = [random_events(rng, d) for d in durations]
    hyps = [random_events(rng, d) for d in durations]
    ev = event_counts(Spans.from_lists(refs), Spans.from_lists(hyps), durations)
    sa = sample_counts(Spans.from_lists(refs), Spans.from_lists(hyps), durations)
    for f, (ref, hyp, dur) in enumerate(zip(refs, hyps, durations)):
        expected_event, expected_sample = timescoring_counts(ref, hyp, 1, int(dur))
        assert ours(ev, f) == tuple(map(int, expected_event))
        assert ours(sa, f) == tuple(map(int, expected_sample))


@pytest.mark.parametrize(
    "params",
    [
        SzcoreParams(tolerance_start=0, tolerance_end=0, min_duration_between_events=0, max_event_duration=None),
        SzcoreParams(min_overlap=0.3, max_event_duration=60.0, min_duration_between_events=20.0),
    ],
)
def test_custom_parameters_match_timescoring(params):
    rng = np.random.default_rng(11)
    ts_params = ts_scoring.EventScoring.Parameters(
        toleranceStart=params.tolerance_start,
        toleranceEnd=params.tolerance_end,
        minOverlap=params.min_overlap,
        maxEventDuration=params.max_event_duration if params.max_event_duration is not None else np.inf,
        minDurationBetweenEvents=params.min_duration_between_events,
    )
    for _ in range(150):
        duration = float(rng.integers(100, 4000))
        ref, hyp = random_events(rng, duration), random_events(rng, duration)
        got = event_counts(Spans.from_lists([ref]), Spans.from_lists([hyp]), np.array([duration]), params)
        expected, _ = timescoring_counts(ref, hyp, 1, int(duration), ts_params)
        assert ours(got) == tuple(map(int, expected)), (ref, hyp)


def test_worked_cases_tolerances_merge_and_split():
    # a detection 20 s before onset counts; 31 s before does not (window starts 30 s before)
    assert szcore_event(seiz((100, 160)), seiz((75, 80)), 3600)["tp"] == 1
    out = szcore_event(seiz((100, 160)), seiz((60, 69)), 3600)
    assert (out["tp"], out["fp"], out["sensitivity"]) == (0, 1, 0.0)
    # 60 s after the end still counts
    assert szcore_event(seiz((100, 160)), seiz((215, 230)), 3600)["tp"] == 1
    # two reference seizures 50 s apart merge into one target
    assert szcore_event(seiz((100, 160), (210, 260)), [], 3600)["ref_true"] == 1
    # a 700 s seizure is split into 300 + 300 + 100 s targets
    out = szcore_event(seiz((1000, 1700)), seiz((1000, 1100)), 3600)
    assert (out["ref_true"], out["tp"]) == (3, 1)
    # FP rate per day of recording
    out = szcore_event([], seiz((10, 20), (500, 510)), 43200)
    assert out["fp"] == 2 and out["fp_per_24h"] == pytest.approx(4.0)
    assert out["sensitivity"] is None and out["precision"] == 0.0 and out["f1"] == 0.0
    # sample scoring counts seconds of the 1 Hz masks
    out = szcore_sample(seiz((10, 20)), seiz((15, 30)), 100)
    assert (out["tp"], out["fp"], out["ref_true"]) == (5, 10, 10)


def test_aggregate_pooled_and_per_subject_like_szcore_evaluation():
    counts = {
        "tp": np.array([1, 0, 2, 0]),
        "fp": np.array([0, 3, 1, 0]),
        "ref_true": np.array([2, 0, 2, 0]),
        "n_samples": np.array([864000, 864000, 432000, 432000]),  # 10 Hz: 1 day, 1 day, 0.5, 0.5
    }
    out = aggregate(counts, 10, ["a", "a", "b", "c"])
    assert (out["tp"], out["fp"], out["ref_true"]) == (3, 4, 4)
    assert out["sensitivity"] == pytest.approx(0.75)
    assert out["precision"] == pytest.approx(3 / 7)
    assert out["f1"] == pytest.approx(6 / (6 + 4 + 1))
    assert out["fp_per_24h"] == pytest.approx(4 / 3)
    ps = out["per_subject"]
    assert ps["n_subjects"] == 3
    # subject a: tp 1, fp 3, ref 2, 2 days; b: 2, 1, 2, 0.5 day; c: nothing, 0.5 day
    sens = [0.5, 1.0]  # c undefined (no seizure): left out, as numpy.nanmean does
    assert ps["sensitivity_mean"] == pytest.approx(np.mean(sens))
    assert ps["sensitivity_std"] == pytest.approx(np.std(sens))
    assert ps["precision_mean"] == pytest.approx(np.mean([0.25, 2 / 3]))
    assert ps["f1_mean"] == pytest.approx(np.mean([2 / (2 + 3 + 1), 4 / (4 + 1 + 0)]))
    assert ps["fp_per_24h_mean"] == pytest.approx(np.mean([1.5, 2.0, 0.0]))
    assert ps["fp_per_24h_std"] == pytest.approx(np.std([1.5, 2.0, 0.0]))


def test_aggregate_undefined_figures_are_none():
    out = aggregate({k: np.zeros(2, dtype=int) for k in ("tp", "fp", "ref_true", "n_samples")}, 1)
    assert out["sensitivity"] is None and out["fp_per_24h"] is None
    assert out["per_subject"].pop("n_subjects") == 2
    assert all(v is None for v in out["per_subject"].values())
    with pytest.raises(ScoringError, match="subjects"):
        aggregate({k: np.zeros(2, dtype=int) for k in ("tp", "fp", "ref_true", "n_samples")}, 1, ["a"])


def test_subject_of_tusz_bids_and_fallback():
    assert subject_of("aaaaaaac_s001_t000") == "aaaaaaac"
    assert subject_of("/data/eval/aaaaaaac/s001_2015/01_tcp_ar/aaaaaaac_s001_t002.csv_bi") == "aaaaaaac"
    assert subject_of("00000258_s002_t000.csv_bi") == "00000258"
    assert subject_of("sub-07_ses-01_task-szMonitoring_run-00_events.tsv") == "sub-07"
    assert subject_of("/bids/sub-12/ses-01/eeg/run-00_events.tsv") == "sub-12"
    # fallback: the name up to the first "_" (CHB-MIT chb01_03 -> chb01), else the whole name
    assert subject_of("recording_17.csv_bi") == "recording"
    assert subject_of("chb01_03_events.tsv") == "chb01" and subject_of("night3.csv_bi") == "night3"


def test_score_corpus_szcore_per_subject_from_bnames():
    pairs = [
        (Annotation("aaaaaaaa_s001_t000", 3600.0, seiz((100, 200))), Annotation("x", 3600.0, seiz((120, 130)))),
        (Annotation("aaaaaaaa_s001_t001", 3600.0, []), Annotation("x", 3600.0, seiz((50, 60)))),
        (Annotation("bbbbbbbb_s001_t000", 7200.0, seiz((100, 200))), Annotation("x", 7200.0, [])),
    ]
    doc = score_corpus(pairs, ("szcore_event", "szcore_sample"))
    ev = doc["metrics"]["szcore_event"]
    assert (ev["tp"], ev["fp"], ev["ref_true"]) == (1, 1, 2)
    assert ev["fp_per_24h"] == pytest.approx(1 / (14400 / 86400))
    # subject a: 1/1 detected, 1 FP over 2 h; subject b: 0/1, no FP over 2 h
    assert ev["per_subject"]["n_subjects"] == 2
    assert ev["per_subject"]["sensitivity_mean"] == pytest.approx(0.5)
    assert ev["per_subject"]["fp_per_24h_mean"] == pytest.approx(6.0)
    sa = doc["metrics"]["szcore_sample"]
    assert (sa["tp"], sa["fp"], sa["ref_true"]) == (10, 10, 200)
