"""Corpus index from paths (TUSZ v2, TUSZ v1, BIDS, plain folder) and annotation/EDF matching."""

import shutil
from pathlib import Path

import pytest

from seizure.cache import prepare_corpus
from seizure.io.annotations import AnnotationError, read_annotations, write_annotations
from seizure.io.corpus import (
    CorpusError,
    assign_splits,
    detect_layout,
    index_corpus,
    index_tusz,
    recording_annotations,
    scan_corpus,
)

STEPS = [{"name": "resample", "sfreq": 50.0}]


@pytest.fixture(scope="module")
def corpus(synthetic_corpus):
    return synthetic_corpus


def _copy(src: Path, dst: Path, with_ann=(".csv_bi",)):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    for suffix in with_ann:
        ann = src.with_suffix(suffix)
        if ann.exists():
            shutil.copy(ann, dst.with_suffix(suffix))


def test_v2_index_with_headers(corpus):
    recs = index_corpus(corpus)
    assert detect_layout(corpus) == "tusz_v2"
    assert {r.layout for r in recs} == {"tusz_v2"}
    r = recs[0]
    assert r.sfreq in (250.0, 256.0, 400.0, 512.0) and r.duration > 0 and "EEG FP1-REF" in r.ch_names[0]
    assert r.key == f"{r.montage}/{r.subject}_{r.session}_{r.segment}" and r.annotation_files()[0] == r.csv_bi
    assert [x.edf for x in index_tusz(corpus)] == [x.edf for x in recs]


def test_unmatched_files_are_reported_not_dropped(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    stray = work / "edf" / "train" / "notes" / "x.edf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"0")
    recs, skipped = scan_corpus(work, headers=False)
    assert len(recs) == len(index_tusz(corpus)) and [s["recording"] for s in skipped] == [str(stray)]
    assert "TUSZ v2 layout" in skipped[0]["reason"]


def test_v1_legacy_layout(corpus, tmp_path):
    root = tmp_path / "v1"
    for r in index_tusz(corpus):
        split = "dev_test" if r.split != "train" else "train"
        date = r.date.replace("-", "_")
        dst = root / "edf" / split / r.montage / "001" / r.subject / f"{r.session}_{date}" / Path(r.edf).name
        _copy(Path(r.edf), dst)
        ann = read_annotations(r.csv_bi)
        write_annotations(dst.with_suffix(".tse_bi"), ann)
        write_annotations(dst.with_suffix(".lbl"), read_annotations(r.csv))
        dst.with_suffix(".csv_bi").unlink()
    recs = index_corpus(root)
    assert detect_layout(root) == "tusz_v1" and {r.split for r in recs} == {"train", "dev"}
    assert all(r.tse_bi and r.lbl and not r.csv_bi for r in recs)
    entries, excl = prepare_corpus(recs, STEPS, tmp_path / "cache")
    assert not excl and len(entries) == len(recs)
    v2 = {Path(r.edf).name: read_annotations(r.csv_bi).seizures() for r in index_tusz(corpus)}
    for e in entries:
        assert e.seizures == [(s.start, s.stop) for s in v2[e.meta["bname"] + ".edf"]]


def test_bids_layout(corpus, tmp_path):
    root = tmp_path / "bids"
    for i, r in enumerate(index_tusz(corpus)):
        sub = f"sub-{r.subject[:3]}"
        stem = f"{sub}_ses-01_task-szMonitoring_run-{i:02d}"
        dst = root / sub / "ses-01" / "eeg" / f"{stem}_eeg.edf"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(r.edf, dst)
        write_annotations(dst.with_name(f"{stem}_events.tsv"), read_annotations(r.csv))
    recs = index_corpus(root)
    assert detect_layout(root) == "bids"
    for r in recs:
        assert r.events and r.montage == ("1020" if any(" A1-" in c for c in r.ch_names) else "1020_a")
    by_subject = {}
    for r in recs:
        assert by_subject.setdefault(r.subject, r.split) == r.split
    assert set(by_subject.values()) == {"train", "dev", "eval"}
    entries, excl = prepare_corpus(recs, STEPS, tmp_path / "cache")
    assert not excl and all(e.signals.shape[0] == 22 for e in entries)


def test_plain_folder_of_edf_and_csv_bi(corpus, tmp_path):
    root = tmp_path / "plain"
    for r in index_tusz(corpus):
        _copy(Path(r.edf), root / Path(r.edf).name)
    (root / "orphan.edf").write_bytes(b"0")
    recs, skipped = scan_corpus(root)
    assert {r.layout for r in recs} == {"plain"} and len(recs) == len(index_tusz(corpus))
    assert {r.subject for r in recs} == {r.subject for r in index_tusz(corpus)}
    assert skipped[0]["recording"].endswith("orphan.edf") and "no annotation file" in skipped[0]["reason"]


def test_assign_splits_is_stable_and_disjoint():
    subjects = [f"p{i:02d}" for i in range(20)]
    a = assign_splits(subjects)
    assert a == assign_splits(list(reversed(subjects)))
    assert set(a.values()) == {"train", "dev", "eval"} and list(a.values()).count("train") == 12


def test_subject_in_two_splits_is_an_error(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    r = [x for x in index_tusz(work) if x.split == "train"][0]
    dst = Path(r.edf.replace("/train/", "/dev/"))
    _copy(Path(r.edf), dst)
    with pytest.raises(CorpusError, match=f"subject {r.subject} appears in both"):
        index_tusz(work)


def test_missing_and_mismatched_annotations(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    recs = index_tusz(work)
    a, b, c = recs[0], recs[1], recs[2]
    for f in (a.csv_bi, a.csv):
        Path(f).unlink()
    text = Path(b.csv_bi).read_text().splitlines()
    text[2] = "# duration = 9999.00 secs"
    Path(b.csv_bi).write_text("\n".join(text) + "\n")
    Path(c.csv_bi).write_text(Path(c.csv_bi).read_text().replace(f"bname = {c.bname}", "bname = zzzzzzzz_s001_t000"))
    recs = index_tusz(work)
    with pytest.raises(AnnotationError, match="no annotation file beside the EDF"):
        recording_annotations(recs[0], 100.0)
    entries, excl = prepare_corpus(recs, STEPS, tmp_path / "cache")
    reasons = {Path(e["recording"]).name: e["reason"] for e in excl}
    assert len(entries) == len(recs) - 3
    assert "no annotation file" in reasons[Path(a.edf).name]
    assert "does not match its EDF: it covers 9999.00 s" in reasons[Path(b.edf).name]
    assert "header bname 'zzzzzzzz_s001_t000'" in reasons[Path(c.edf).name]


def test_annotation_vs_edf_duration_tolerance(corpus):
    from seizure.io.events import EDF_DURATION_TOLERANCE_S

    rec = index_tusz(corpus)[0]
    stated = read_annotations(rec.csv_bi).duration
    assert EDF_DURATION_TOLERANCE_S == 1.0
    assert recording_annotations(rec, stated + 0.9 * EDF_DURATION_TOLERANCE_S).duration == stated
    with pytest.raises(AnnotationError, match=r"does not match its EDF: it covers"):
        recording_annotations(rec, stated + 1.1 * EDF_DURATION_TOLERANCE_S)


def test_annotation_with_bom_and_crlf_indexes_and_matches(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    rec = index_tusz(work)[0]
    text = Path(rec.csv_bi).read_text()
    Path(rec.csv_bi).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    original = read_annotations(Path(corpus) / Path(rec.csv_bi).relative_to(work))
    ann = recording_annotations(index_tusz(work)[0], original.duration)
    assert ann.bname == rec.bname and ann.events == original.events
