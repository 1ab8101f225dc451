"""Property-based tests (hypothesis) of the scoring invariants."""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from seizure.io.annotations import Annotation, Event  # noqa: E402
from seizure.scoring import COUNT_METRICS, Counts, ovlp, score_corpus, taes  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


@st.composite
def event_lists(draw, duration, min_gap=0.0, min_length=0.01):
    """Sorted, non-overlapping seizure events in ``[0, duration]`` with 2-decimal times."""
    out, t = [], draw(st.floats(0, duration / 2))
    for _ in range(draw(st.integers(0, 6))):
        length = draw(st.floats(min_length, 400))
        start, stop = round(t, 2), round(t + length, 2)
        if stop > duration or stop <= start:
            break
        out.append(Event(start, stop, "seiz"))
        t = stop + min_gap + draw(st.floats(0, 600))
    return out


@st.composite
def corpora(draw, min_gap=0.0, min_length=0.01, max_files=5):
    """Pairs of (reference, hypothesis) annotations with whole-second durations."""
    pairs = []
    for i in range(draw(st.integers(1, max_files))):
        duration = float(draw(st.integers(30, 4000)))
        ref = draw(event_lists(duration, min_gap, min_length))
        hyp = draw(event_lists(duration, min_gap, min_length))
        name = f"{'abc'[i % 3] * 8}_s001_t{i:03d}"
        pairs.append((Annotation(name, duration, ref), Annotation(name, duration, hyp)))
    return pairs


ALL = COUNT_METRICS + ("ira", "szcore_event", "szcore_sample")


@SETTINGS
@given(corpora(min_gap=1.0, min_length=1.0))
def test_perfect_hypothesis_gives_sensitivity_one_and_no_false_alarms(pairs):
    # Seizures and gaps of at least 1 s. Shorter ones break the invariant by design of the
    # reference tools: the official TAES compares whole seconds, so two segments within one
    # second interact even in a perfect hypothesis; an event shorter than a 0.25 s epoch may
    # hold no epoch centre; timescoring rasterizes events at 10 Hz with round-half-even, so
    # an event of 0.1 s can vanish and then always counts as a false positive.
    perfect = [(ref, Annotation(ref.bname, ref.duration, list(ref.events))) for ref, _ in pairs]
    doc = score_corpus(perfect, ALL)["metrics"]
    has_seizure = any(ref.events for ref, _ in pairs)
    for m in COUNT_METRICS:
        row = doc[m]["seiz"]
        assert row["false_alarms"] == pytest.approx(0.0, abs=1e-9), m
        assert row["sensitivity"] == (pytest.approx(1.0) if has_seizure else None), m
        assert doc[m]["bckg"]["sensitivity"] == pytest.approx(1.0), m
    for m in ("szcore_event", "szcore_sample"):
        assert doc[m]["fp"] == 0 and doc[m]["tp"] == doc[m]["ref_true"], m
    assert doc["ira"]["multi_class_kappa"] == pytest.approx(1.0)


@SETTINGS
@given(corpora(), st.integers(60, 100000))
def test_fa_rate_scales_inversely_with_added_seizure_free_recordings(pairs, extra_s):
    base = score_corpus(pairs, ALL)
    quiet = Annotation("zzzzzzzz_s001_t000", float(extra_s), [])
    more = score_corpus(pairs + [(quiet, quiet)], ALL)
    total = base["total_duration_s"]
    assert more["total_duration_s"] == pytest.approx(total + extra_s)
    scale = total / (total + extra_s)
    for m in COUNT_METRICS:
        for label in ("seiz",):
            a, b = base["metrics"][m][label], more["metrics"][m][label]
            assert b["false_alarms"] == pytest.approx(a["false_alarms"]), m
            assert b["fa_per_24h"] == pytest.approx(a["fa_per_24h"] * scale), m
            assert b["sensitivity"] == a["sensitivity"] or b["sensitivity"] == pytest.approx(a["sensitivity"]), m
    for m in ("szcore_event", "szcore_sample"):
        assert more["metrics"][m]["fp"] == base["metrics"][m]["fp"]
        assert more["metrics"][m]["fp_per_24h"] == pytest.approx(base["metrics"][m]["fp_per_24h"] * scale)


@SETTINGS
@given(corpora())
def test_ovlp_hits_at_least_taes_hits(pairs):
    doc = score_corpus(pairs, ("ovlp", "taes", "taes_exact"))["metrics"]
    for label in ("seiz", "bckg"):
        o = doc["ovlp"][label]
        for m in ("taes", "taes_exact"):
            t = doc[m][label]
            assert t["hits"] <= o["hits"] + 1e-9
            assert t["targets"] == o["targets"]


@SETTINGS
@given(corpora())
def test_corpus_counts_equal_the_sum_of_per_file_scores(pairs):
    doc = score_corpus(pairs, ("ovlp", "taes"))["metrics"]
    for name, fn in (("ovlp", ovlp), ("taes", taes)):
        total = {"seiz": Counts(), "bckg": Counts()}
        for ref, hyp in pairs:
            for label, c in fn(ref.events, hyp.events, ref.duration).items():
                total[label] = total[label] + c
        for label, c in total.items():
            row = doc[name][label]
            assert (row["targets"], row["hits"], row["misses"], row["false_alarms"]) == pytest.approx(
                (c.targets, c.hits, c.misses, c.false_alarms), abs=1e-9
            )


@SETTINGS
@given(corpora())
def test_ovlp_is_any_overlap_by_brute_force(pairs):
    doc = score_corpus(pairs, ("ovlp",))["metrics"]["ovlp"]["seiz"]

    def merged(events):  # label tracks merge touching events
        out = []
        for e in events:
            if out and e.start <= out[-1][1]:
                out[-1][1] = e.stop
            else:
                out.append([e.start, e.stop])
        return out

    hits = fas = 0
    for ref, hyp in pairs:
        r, h = merged(ref.events), merged(hyp.events)
        hits += sum(any(b > s and a < e for a, b in h) for s, e in r)
        fas += sum(not any(e > a and s < b for s, e in r) for a, b in h)
    assert (doc["hits"], doc["false_alarms"]) == (hits, fas)
