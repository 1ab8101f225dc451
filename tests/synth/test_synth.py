"""Tests of the synthetic TUSZ-like corpus generator (seizure.synth)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import mne
import numpy as np
import pytest
import scipy.signal

from seizure.io.annotations import read_csv, read_csv_bi
from seizure.montage import TCP_NAMES, apply_bipolar, tcp_pairs_for
from seizure.synth import (
    MANIFEST_NAME,
    PlanError,
    check_plan,
    generate_corpus,
    plan_corpus,
    synthesize_recording,
)

mne.set_log_level("ERROR")

SEED = 7
SFREQS = {250.0, 256.0, 400.0, 512.0}
LAYOUT = re.compile(
    r"^edf/(train|dev|eval)/([a-z]{8})/s(\d{3})_(\d{4})_(\d{2})_(\d{2})/"
    r"(01_tcp_ar|02_tcp_le|03_tcp_ar_a)/\2_s\3_t(\d{3})\.(edf|csv|csv_bi)$"
)
STANDARD = ["FP1", "FP2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
            "F7", "F8", "T3", "T4", "T5", "T6", "A1", "A2", "FZ", "CZ", "PZ"]  # fmt: skip
EXTRAS = {"T1", "T2", "EKG1"}
NON_EEG = {"PHOTIC-REF", "IBI", "BURSTS", "SUPPR"}


def _generate(root: Path, **kw) -> dict:
    return generate_corpus(root, n_patients=3, hours=0.15, seed=kw.pop("seed", SEED), **kw)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    calls = []
    manifest = _generate(root, progress=lambda done, total: calls.append((done, total)))
    return root, manifest, calls


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _seizure_spans(events) -> list[tuple[float, float]]:
    spans = sorted((e.start, e.stop) for e in events if e.label not in ("bckg", "nesz"))
    merged: list[list[float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + 1e-6:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def test_layout_is_exact_tusz_v2(corpus):
    root, manifest, _ = corpus
    files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    assert MANIFEST_NAME in files
    stems = {}
    for f in files:
        if f == MANIFEST_NAME:
            continue
        assert LAYOUT.match(f), f"unexpected path {f}"
        stem, ext = f.rsplit(".", 1)
        stems.setdefault(stem, set()).add(ext)
    assert all(exts == {"edf", "csv", "csv_bi"} for exts in stems.values())
    assert len(stems) == len(manifest["recordings"]) == manifest["totals"]["n_recordings"]
    # one montage dir per session, 1-3 segments per session, 1-2 sessions per patient
    sessions: dict[tuple[str, str], set[str]] = {}
    for r in manifest["recordings"]:
        sessions.setdefault((r["subject"], r["session"]), set()).add(r["montage"])
    assert all(len(m) == 1 for m in sessions.values())
    per_patient = {}
    for subject, _session in sessions:
        per_patient[subject] = per_patient.get(subject, 0) + 1
    assert all(1 <= n <= 2 for n in per_patient.values())


def test_patients_disjoint_across_splits(corpus):
    _, manifest, _ = corpus
    recs = manifest["recordings"]
    by_split = {s: {r["subject"] for r in recs if r["split"] == s} for s in ("train", "dev", "eval")}
    assert all(by_split.values()), "every split gets a patient when n_patients >= 3"
    assert not (by_split["train"] & by_split["dev"] or by_split["train"] & by_split["eval"]
                or by_split["dev"] & by_split["eval"])  # fmt: skip


def test_edf_files_read_back_with_mne(corpus):
    root, manifest, _ = corpus
    for r in manifest["recordings"]:
        raw = mne.io.read_raw_edf(root / r["edf"], preload=True)
        suffix = "LE" if r["montage"] == "02_tcp_le" else "REF"
        electrodes = [e for e in STANDARD if not (r["montage"].endswith("_a") and e in ("A1", "A2"))]
        expected = [f"EEG {e}-{suffix}" for e in electrodes]
        names = raw.ch_names
        assert names[: len(expected)] == expected, r["edf"]
        for extra in names[len(expected) :]:
            assert extra in NON_EEG or extra in {f"EEG {e}-{suffix}" for e in EXTRAS}, extra
        if r["montage"].endswith("_a"):
            assert not any("A1" in n or "A2" in n for n in names)
        sfreq = raw.info["sfreq"]
        assert sfreq in SFREQS and sfreq == r["sfreq"]
        duration = raw.n_times / sfreq
        assert duration == r["duration_s"] == read_csv_bi(root / r["csv_bi"]).duration
        assert duration >= 60 and float(duration).is_integer()
        eeg = raw.get_data(picks=list(range(len(expected)))) * 1e6  # volts -> microvolts
        assert np.abs(eeg).max() <= 5000.0
        rms = np.sqrt(np.mean((eeg - eeg.mean(axis=1, keepdims=True)) ** 2, axis=1))
        assert 3.0 < np.median(rms) < 150.0, f"{r['edf']}: implausible EEG RMS {np.median(rms):.1f} uV"
        tcp = apply_bipolar(eeg, names[: len(expected)], tcp_pairs_for(r["montage"]))
        tcp_rms = np.median(np.sqrt(np.mean(tcp**2, axis=1)))
        assert 5.0 < tcp_rms < 150.0
        header = (root / r["edf"]).read_bytes()[:256].decode("ascii")
        assert header[8:88].split() == [r["subject"], "X", "X", "X"]  # code, sex, birthdate, name


def test_annotations_match_montage_and_each_other(corpus):
    root, manifest, _ = corpus
    for r in manifest["recordings"]:
        ann, bi = read_csv(root / r["csv"]), read_csv_bi(root / r["csv_bi"])
        assert ann.duration == bi.duration == r["duration_s"]
        expected = set(TCP_NAMES) - ({"A1-T3", "T4-A2"} if r["montage"].endswith("_a") else set())
        assert {e.channel for e in ann.events} == expected
        assert len(expected) == (20 if r["montage"].endswith("_a") else 22)
        for ch in expected:  # every channel fully segmented
            evs = sorted((e for e in ann.events if e.channel == ch), key=lambda e: e.start)
            assert evs[0].start == 0 and abs(evs[-1].stop - ann.duration) < 1e-6
            assert all(abs(a.stop - b.start) < 1e-6 for a, b in zip(evs, evs[1:]))
        assert {e.channel for e in bi.events} == {"TERM"}
        bi_spans = [(e.start, e.stop) for e in bi.seizures()]
        union = _seizure_spans(ann.events)
        assert len(bi_spans) == len(union)
        assert np.allclose(np.array(bi_spans).reshape(-1, 2), np.array(union).reshape(-1, 2), atol=1e-3)
        labels = {e.label for e in ann.events} - {"bckg"}
        assert labels == set(r["seizure_types"])
        assert len(bi_spans) == r["n_seizures"]
        for a, b in bi_spans:
            assert a >= 5.0 and b <= ann.duration - 5.0 and b - a >= 10.0 - 1e-6


def test_manifest_totals_consistent(corpus):
    root, manifest, calls = corpus
    on_disk = json.loads((root / MANIFEST_NAME).read_text())
    assert on_disk == manifest
    recs, totals = manifest["recordings"], manifest["totals"]
    assert totals["n_recordings"] == len(recs)
    assert totals["n_patients"] == len({r["subject"] for r in recs}) == 3
    assert totals["duration_s"] == pytest.approx(sum(r["duration_s"] for r in recs))
    assert totals["duration_s"] == pytest.approx(0.15 * 3600, rel=0.03)
    assert totals["n_seizures"] == sum(r["n_seizures"] for r in recs) >= 1
    assert totals["seizure_s"] == pytest.approx(sum(r["seizure_s"] for r in recs), abs=0.05)
    assert totals["seizure_fraction"] == pytest.approx(totals["seizure_s"] / totals["duration_s"], abs=1e-4)
    assert 0.05 <= totals["seizure_fraction"] <= 0.10
    for key in ("n_recordings", "n_seizures"):
        assert sum(s[key] for s in totals["per_split"].values()) == totals[key]
    for r in recs:
        spans = [(e.start, e.stop) for e in read_csv_bi(root / r["csv_bi"]).seizures()]
        assert r["seizure_s"] == pytest.approx(sum(b - a for a, b in spans), abs=0.01)
    assert manifest["params"]["seed"] == SEED and manifest["params"]["hours"] == 0.15
    assert calls == [(i, len(recs)) for i in range(1, len(recs) + 1)]


def test_deterministic_and_independent_of_jobs(corpus, tmp_path):
    root, _, _ = corpus
    reference = _files(root)
    again = _generate(tmp_path / "jobs2", jobs=2)
    assert _files(tmp_path / "jobs2") == reference
    assert again == json.loads(reference[MANIFEST_NAME])
    _generate(tmp_path / "other", seed=SEED + 1)
    assert _files(tmp_path / "other") != reference


@pytest.mark.parametrize("seed", [0, 1])
def test_default_plan_has_enough_seizures(seed):
    plan = plan_corpus(n_patients=12, hours=3.0, seed=seed)
    assert plan.n_seizures >= 40
    assert 0.05 <= plan.seizure_fraction <= 0.10
    assert plan.duration_s == pytest.approx(3 * 3600, rel=0.03)
    assert len(plan.patients) == 12
    assert {r.montage for r in plan.recordings} == {"01_tcp_ar", "02_tcp_le", "03_tcp_ar_a"}
    assert sum(r.montage == "01_tcp_ar" for r in plan.recordings) > len(plan.recordings) / 2
    assert any(not r.seizures for r in plan.recordings)
    assert all(60 <= r.duration <= 3600 for r in plan.recordings)
    assert {r.split for r in plan.recordings if r.seizures} == {"train", "dev", "eval"}
    # patients have consistent seizure types: mostly their favourite one
    favourite = [sz.label == r.patient.favourite for r in plan.recordings for sz in r.seizures]
    assert np.mean(favourite) > 0.6


@pytest.mark.parametrize("seed", [0, 1])
def test_default_plan_seizure_durations_are_heavy_tailed(seed):
    """10 s to several minutes: mostly short seizures plus a few >= 2 min, within the time budget."""
    plan = plan_corpus(n_patients=12, hours=3.0, seed=seed)
    durations = sorted((sz.duration for r in plan.recordings for sz in r.seizures), reverse=True)
    assert len(durations) == plan.n_seizures >= 40
    assert min(durations) >= 10.0 - 1e-6
    assert sum(d >= 120.0 - 1e-6 for d in durations) >= 2
    assert durations[0] <= 300.0 + 1e-6
    assert np.median(durations) < 30.0  # most seizures stay short
    assert 0.05 <= plan.seizure_fraction <= 0.10
    for r in plan.recordings:  # even the long ones fit, away from the edges
        for sz in r.seizures:
            assert sz.start >= 5.0 and sz.stop <= r.duration - 5.0


def test_plan_scales_down_and_validates():
    plan = plan_corpus(n_patients=12, hours=0.1, seed=3)
    assert all(r.duration >= 60 for r in plan.recordings)
    assert plan.duration_s == pytest.approx(360, rel=0.03)
    with pytest.raises(ValueError):
        plan_corpus(hours=0.01)
    with pytest.raises(ValueError):
        plan_corpus(split_fractions=(1.0, -0.5, 0.5))
    seizure_free = dataclasses.replace(
        plan, recordings=tuple(dataclasses.replace(r, seizures=()) for r in plan.recordings)
    )
    with pytest.raises(PlanError, match="seizure fraction"):
        check_plan(seizure_free)


def _band_power(x: np.ndarray, sfreq: float, lo: float = 3.0, hi: float = 8.0) -> float:
    f, p = scipy.signal.welch(x, sfreq, nperseg=min(len(x), int(2 * sfreq)))
    return float(p[(f >= lo) & (f <= hi)].mean())


def _theta_log_ratios(raw_data, ch_names, montage, sfreq, seizures) -> list[float]:
    """log10 of 3-8 Hz power, seizure vs the same channel's background, per ictal channel."""
    pairs = tcp_pairs_for(montage)
    tcp = apply_bipolar(raw_data, ch_names, pairs)
    names = [f"{a}-{b}" for a, b in pairs]
    ictal = np.zeros(tcp.shape, dtype=bool)
    for ch, a, b in seizures:
        ictal[names.index(ch), int(a * sfreq) : int(b * sfreq)] = True
    out = []
    for ch, a, b in seizures:
        i = names.index(ch)
        out.append(np.log10(_band_power(tcp[i, int(a * sfreq) : int(b * sfreq)], sfreq)
                            / _band_power(tcp[i][~ictal[i]], sfreq)))  # fmt: skip
    return out


def test_seizures_have_more_theta_than_background(corpus):
    root, manifest, _ = corpus
    ratios = []
    for r in manifest["recordings"]:
        if not r["n_seizures"]:
            continue
        raw = mne.io.read_raw_edf(root / r["edf"], preload=True)
        ann = read_csv(root / r["csv"])
        seizures = [(e.channel, e.start, e.stop) for e in ann.events if e.label != "bckg"]
        ratios += _theta_log_ratios(raw.get_data() * 1e6, raw.ch_names, r["montage"], r["sfreq"], seizures)
    assert ratios and np.mean(ratios) > 0.2 and np.mean(np.array(ratios) > 0) > 0.7


def test_seizure_types_are_visible_in_tcp_montage():
    """In-memory check over several recordings and seizure types of a default-size plan."""
    plan = plan_corpus(n_patients=12, hours=3.0, seed=0)
    chosen, seen = [], set()
    for rec in sorted(plan.recordings, key=lambda r: r.duration):
        labels = {sz.label for sz in rec.seizures}
        if labels - seen:
            chosen.append(rec)
            seen |= labels
    assert len(seen) >= 4
    per_type: dict[str, list[float]] = {}
    for rec in chosen:
        labels, data, _ = synthesize_recording(rec)
        events = [e for evs in rec.channel_events().values() for e in evs]
        seizures = [(e.channel, e.start, e.stop) for e in events]
        for ev, ratio in zip(events, _theta_log_ratios(data, labels, rec.montage, rec.sfreq, seizures)):
            per_type.setdefault(ev.label, []).append(ratio)
    for label, ratios in per_type.items():
        assert np.mean(ratios) > 0.1, f"{label}: seizures not distinguishable from background"
