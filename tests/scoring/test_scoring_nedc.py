"""Tests of the NEDC-conformant scorers (OVLP, TAES, EPOCH) and the pair-level API of ``seizure.scoring``."""

from __future__ import annotations

import pytest

from seizure.io.annotations import Annotation, Event
from seizure.scoring import (
    Counts,
    count_pair,
    epoch,
    label_track,
    map_label,
    ovlp,
    score_pairs,
    summarize,
    taes,
)


def seiz(*spans, label="seiz"):
    return [Event(float(a), float(b), label) for a, b in spans]


def as_tuple(c: Counts):
    return (c.targets, c.hits, c.misses, c.false_alarms)


def approx_counts(c: Counts, targets, hits, misses, false_alarms):
    assert as_tuple(c) == pytest.approx((targets, hits, misses, false_alarms), abs=1e-9)


# The worked cases of SCORING.md (SEIZ row of the official tool):
# (reference, hypothesis, duration, OVLP hit/miss/FA, TAES hit/miss/FA)
TABLE = [
    ([(1, 3), (4, 5), (7, 8)], [(2, 9)], 10.0, (3, 0, 0), (0.5, 2.5, 1.0)),
    ([(10, 30)], [(12, 15), (18, 25), (50, 51)], 100.0, (1, 0, 1), (0.5, 0.5, 1.0)),
    ([(10.2, 10.8)], [(10.3, 10.5), (10.85, 11.5)], 100.0, (1, 0, 1), (0.25, 0.75, 1.0)),
    ([(10, 20), (40, 50)], [], 100.0, (0, 2, 0), (0.0, 2.0, 0.0)),
]


@pytest.mark.parametrize("ref, hyp, dur, expected_ovlp, expected_taes", TABLE)
def test_scoring_md_table_seiz_row(ref, hyp, dur, expected_ovlp, expected_taes):
    o = ovlp(seiz(*ref), seiz(*hyp), dur)["seiz"]
    approx_counts(o, len(ref), *expected_ovlp)
    t = taes(seiz(*ref), seiz(*hyp), dur)["seiz"]
    approx_counts(t, len(ref), *expected_taes)


def test_taes_worked_example_sensitivity_one_sixth():
    ref = Annotation("r", 10.0, seiz((1, 3), (4, 5), (7, 8)))
    hyp = Annotation("h", 10.0, seiz((2, 9)))
    out = score_pairs([(ref, hyp)], metrics=("taes",))
    row = out["metrics"]["taes"]["seiz"]
    assert row["hits"] == pytest.approx(0.5)
    assert row["misses"] == pytest.approx(2.5)
    assert row["false_alarms"] == pytest.approx(1.0)
    assert row["sensitivity"] == pytest.approx(1 / 6)
    assert row["precision"] == pytest.approx(0.5 / 1.5)
    assert row["fa_per_24h"] == pytest.approx(1.0 / 10.0 * 86400)


def test_bckg_rows_of_first_worked_case():
    ref, hyp = seiz((1, 3), (4, 5), (7, 8)), seiz((2, 9))
    # ref track: bckg[0,1] seiz bckg[3,4] seiz bckg[5,7] seiz bckg[8,10]; hyp: bckg[0,2] seiz bckg[9,10]
    approx_counts(ovlp(ref, hyp, 10.0)["bckg"], 4, 2, 2, 0)
    # bckg[0,1] vs hyp bckg[0,2]: hit 1, FA 1; bckg[8,10] vs [9,10]: hit 0.5, miss 0.5;
    # bckg[3,4] and bckg[5,7] have no overlapping bckg hypothesis: 1 miss each.
    approx_counts(taes(ref, hyp, 10.0)["bckg"], 4, 1.5, 2.5, 1.0)


def test_ovlp_one_hyp_over_two_refs_and_several_hyps_in_one_ref():
    approx_counts(ovlp(seiz((10, 20), (30, 40)), seiz((15, 35)), 100.0)["seiz"], 2, 2, 0, 0)
    approx_counts(ovlp(seiz((10, 40)), seiz((12, 14), (20, 22), (30, 31)), 100.0)["seiz"], 1, 1, 0, 0)


def test_empty_hypothesis():
    ref = Annotation("r", 100.0, seiz((10, 20), (40, 50)))
    hyp = Annotation("h", 100.0, [])
    out = score_pairs([(ref, hyp)])
    for metric in ("ovlp", "taes"):
        row = out["metrics"][metric]["seiz"]
        assert (row["targets"], row["hits"], row["misses"], row["false_alarms"]) == (2, 0, 2, 0)
        assert row["sensitivity"] == 0.0
        assert row["precision"] is None
        assert row["f1"] == 0.0
        assert row["fa_per_24h"] == 0.0


def test_empty_reference_gives_false_alarms_only():
    ref = Annotation("r", 100.0, [])
    hyp = Annotation("h", 100.0, seiz((10, 20)))
    out = score_pairs([(ref, hyp)])
    for metric in ("ovlp", "taes"):
        row = out["metrics"][metric]["seiz"]
        assert (row["targets"], row["hits"], row["misses"], row["false_alarms"]) == (0, 0, 0, 1)
        assert row["sensitivity"] is None
        assert row["precision"] == 0.0
        assert row["f1"] == 0.0
        assert row["fa_per_24h"] == pytest.approx(864.0)


def test_touching_endpoint_is_not_an_overlap():
    ref, hyp = seiz((10, 20)), seiz((20, 30))
    approx_counts(ovlp(ref, hyp, 100.0)["seiz"], 1, 0, 1, 1)
    approx_counts(taes(ref, hyp, 100.0)["seiz"], 1, 0, 1, 1)
    approx_counts(taes(ref, hyp, 100.0, exact=True)["seiz"], 1, 0, 1, 1)


def test_taes_whole_second_rule_and_exact_option():
    ref, hyp = seiz((10.2, 10.8)), seiz((10.3, 10.5), (10.85, 11.5))
    # Official rule: [10.85, 11.5] shares second 10 with the reference and adds a negative
    # hit (10.8 - 10.85) / 0.6 and a false alarm capped at 1.
    approx_counts(taes(ref, hyp, 100.0)["seiz"], 1, 0.25, 0.75, 1.0)
    # Exact overlap: it is an ordinary (absolute) false alarm.
    approx_counts(taes(ref, hyp, 100.0, exact=True)["seiz"], 1, 1 / 3, 2 / 3, 1.0)


def test_seizure_types_map_to_seiz_and_nesz_to_bckg():
    approx_counts(ovlp(seiz((10, 20), label="fnsz"), seiz((12, 15)), 100.0)["seiz"], 1, 1, 0, 0)
    approx_counts(taes(seiz((10, 20), label="gnsz"), seiz((10, 20), label="cpsz"), 100.0)["seiz"], 1, 1, 0, 0)
    # nesz is background: the detection is a false alarm, there is no seizure target
    approx_counts(ovlp(seiz((10, 20), label="nesz"), seiz((12, 15)), 100.0)["seiz"], 0, 0, 0, 1)
    assert map_label("FNSZ") == "seiz"
    assert map_label("bkgd") == "bckg"
    with pytest.raises(ValueError, match="unknown annotation label"):
        map_label("artf")


def test_label_track_sorts_fills_and_merges():
    events = [
        Event(50.0, 60.0, "seiz"),
        Event(0.0, 10.0, "bckg"),
        Event(10.0, 20.0, "fnsz"),
        Event(20.0, 30.0, "gnsz"),  # consecutive seizure events merge
        Event(55.0, 58.0, "seiz", channel="F3-C3"),  # overlapping (other channel): unioned
    ]
    assert label_track(events, 100.0) == [
        (0.0, 10.0, "bckg"),
        (10.0, 30.0, "seiz"),
        (30.0, 50.0, "bckg"),
        (50.0, 60.0, "seiz"),
        (60.0, 100.0, "bckg"),
    ]
    assert label_track([], 5.0) == [(0.0, 5.0, "bckg")]
    assert label_track(seiz((0, 5)), 5.0) == [(0.0, 5.0, "seiz")]
    with pytest.raises(ValueError):
        label_track([], 0.0)


def test_fa_rate_uses_all_recordings_including_seizure_free():
    with_seizure = (
        Annotation("a_ref", 100.0, seiz((10, 20))),
        Annotation("a_hyp", 100.0, seiz((12, 18), (50, 55))),
    )
    seizure_free = (
        Annotation("b_ref", 3500.0, []),
        Annotation("b_hyp", 3500.0, seiz((100, 110))),
    )
    out = score_pairs([with_seizure, seizure_free])
    assert out["n_files"] == 2
    assert out["total_duration_s"] == pytest.approx(3600.0)
    for metric in ("ovlp", "taes"):
        row = out["metrics"][metric]["seiz"]
        assert row["false_alarms"] == pytest.approx(2.0)
        assert row["fa_per_24h"] == pytest.approx(2.0 / 3600.0 * 86400.0)  # 48 per 24 h
    assert out["metrics"]["ovlp"]["seiz"]["sensitivity"] == 1.0


def test_score_pairs_duration_mismatch_names_both_files():
    ref = Annotation("ref_file_001", 100.0, [])
    hyp = Annotation("hyp_file_001", 100.5, [])
    with pytest.raises(ValueError, match="ref_file_001") as info:
        score_pairs([(ref, hyp)])
    assert "hyp_file_001" in str(info.value)
    # within the 0.01 s tolerance the pair is accepted
    out = score_pairs([(ref, Annotation("hyp_file_001", 100.005, []))])
    assert out["n_files"] == 1


def test_score_pairs_rejects_unknown_metric():
    with pytest.raises(ValueError, match="unknown metric"):
        score_pairs([], metrics=("ovlp", "any"))


def test_sensitivity_none_without_targets():
    s = summarize(Counts(), 3600.0)
    assert s["sensitivity"] is None
    assert s["precision"] is None
    assert s["f1"] is None
    assert s["specificity"] is None
    assert s["fa_per_24h"] == 0.0
    assert summarize(Counts(), 0.0)["fa_per_24h"] is None


def test_score_pairs_empty_corpus():
    out = score_pairs([])
    assert out["n_files"] == 0
    assert out["metrics"]["ovlp"]["seiz"]["sensitivity"] is None
    assert out["metrics"]["ovlp"]["seiz"]["fa_per_24h"] is None


def test_summarize_reproduces_official_report_figures():
    # NEDC v6.0.0 test-set summary, OVLP SEIZ row: 701 targets, 604 hits, 97 misses,
    # 2 false alarms, TN 182, 45277 s -> 86.1626 %, 98.9130 %, 99.6700 %, 0.9243, 3.8165/24h
    s = summarize(Counts(701, 604, 97, 2), 45277.0, true_negatives=182)
    assert s["sensitivity"] == pytest.approx(0.861626, abs=5e-7)
    assert s["specificity"] == pytest.approx(0.989130, abs=5e-7)
    assert s["precision"] == pytest.approx(0.996700, abs=5e-7)
    assert s["f1"] == pytest.approx(0.9243, abs=5e-5)
    assert s["fa_per_24h"] == pytest.approx(3.8165, abs=5e-5)
    # EPOCH SEIZ and BCKG rows (false alarms are epochs of 0.25 s)
    s = summarize(Counts(76420, 68142, 8278, 47354), 45277.0, true_negatives=57334, epoch_s=0.25)
    assert s["sensitivity"] == pytest.approx(0.891678, abs=5e-7)
    assert s["specificity"] == pytest.approx(0.547665, abs=5e-7)
    assert s["precision"] == pytest.approx(0.589994, abs=5e-7)
    assert s["f1"] == pytest.approx(0.7101, abs=5e-5)
    assert s["fa_per_24h"] == pytest.approx(22590.8607, abs=5e-5)
    s = summarize(Counts(104688, 57334, 47354, 8278), 45277.0, true_negatives=68142, epoch_s=0.25)
    assert s["precision"] == pytest.approx(0.873834, abs=5e-7)
    assert s["f1"] == pytest.approx(0.6733, abs=5e-5)
    assert s["fa_per_24h"] == pytest.approx(3949.1309, abs=5e-5)


def test_specificity_is_hits_of_the_other_label():
    ref = Annotation("r", 10.0, seiz((1, 3), (4, 5), (7, 8)))
    hyp = Annotation("h", 10.0, seiz((2, 9)))
    out = score_pairs([(ref, hyp)], metrics=("ovlp",))
    # seiz: TN = bckg hits = 2, FP = 0; bckg: TN = seiz hits = 3, FP = 0
    assert out["metrics"]["ovlp"]["seiz"]["specificity"] == 1.0
    assert out["metrics"]["ovlp"]["bckg"]["specificity"] == 1.0
    assert out["metrics"]["ovlp"]["bckg"]["sensitivity"] == 0.5


def test_epoch_confusion_counts():
    # epochs centred at 0.125, 0.375, ..., 3.875 s
    out = epoch(seiz((1, 3)), seiz((2, 4)), 4.0)
    approx_counts(out["seiz"], 8, 4, 4, 4)
    approx_counts(out["bckg"], 8, 4, 4, 4)
    # a centre on a boundary takes the earlier segment: 1.125 is bckg, 2.125 is seiz
    approx_counts(epoch(seiz((1.125, 2.125)), [], 4.0)["seiz"], 4, 0, 4, 0)


def test_epoch_in_score_pairs_uses_epoch_time_for_fa_rate():
    ref = Annotation("r", 100.0, [])
    hyp = Annotation("h", 100.0, seiz((10, 11)))
    row = score_pairs([(ref, hyp)], metrics=("epoch",))["metrics"]["epoch"]["seiz"]
    assert row["false_alarms"] == 4
    assert row["fa_per_24h"] == pytest.approx(4 * 0.25 / 100.0 * 86400.0)


def test_count_pair_metrics_and_counts_addition():
    ref = Annotation("r", 10.0, seiz((1, 3), (4, 5), (7, 8)))
    hyp = Annotation("h", 10.0, seiz((2, 9)))
    c = count_pair(ref, hyp, ("ovlp", "taes", "taes_exact", "epoch"))
    assert set(c) == {"ovlp", "taes", "taes_exact", "epoch"}
    approx_counts(c["taes_exact"]["seiz"], 3, 0.5, 2.5, 1.0)
    approx_counts(c["ovlp"]["seiz"] + c["ovlp"]["seiz"], 6, 6, 0, 0)


def test_count_pair_rejects_metrics_without_counts():
    ref = Annotation("r", 10.0, seiz((1, 3)))
    with pytest.raises(ValueError, match="no per-label counts"):
        count_pair(ref, ref, ("ovlp", "ira"))
    assert set(count_pair(ref, ref, ("dpalign",))) == {"dpalign"}
