"""One reference finder and one subject rule: io/references.py and every path that names a subject."""

import pytest

import seizure.detection.references as detection_references
from seizure.detection import patient_of
from seizure.io.annotations import Annotation, Event, write_annotations, write_csv, write_csv_bi
from seizure.io.corpus import scan_corpus
from seizure.io.references import (
    annotation_files_beside,
    find_reference,
    parse_tusz_name,
    subject_of,
    typed_seizures,
)
from seizure.scoring import score_corpus
from seizure.scoring import subject_of as scoring_subject_of
from seizure_app.score import score_files


def test_seizure_types_from_the_per_channel_file(tmp_path):
    edf = tmp_path / "abcdefgh_s001_t000.edf"
    write_csv_bi(edf.with_suffix(".csv_bi"), [Event(10, 20, "seiz"), Event(40, 60, "seiz")], 100.0)
    write_csv(edf.with_suffix(".csv"), {"FP1-F7": [Event(10, 20, "cpsz", "FP1-F7"), Event(40, 45, "fnsz", "FP1-F7")],
                                        "F7-T3": [Event(41, 60, "gnsz", "F7-T3")]}, 100.0)  # fmt: skip
    ref = find_reference(edf)
    assert [(e.start, e.stop, e.label) for e in ref.seizures] == [(10, 20, "cpsz"), (40, 60, "gnsz")]
    assert ref.source == str(edf.with_suffix(".csv_bi")) and ref.duration == 100.0
    assert typed_seizures(Annotation("x", 100.0, [Event(5, 9, "seiz")]), None)[0].label == "seiz"
    assert find_reference(tmp_path / "none.edf") is None


def test_per_channel_file_alone_gives_intervals_and_types(tmp_path):
    edf = tmp_path / "abcdefgh_s001_t001.edf"
    write_csv(edf.with_suffix(".csv"), {"FP1-F7": [Event(10, 20, "cpsz", "FP1-F7")],
                                        "F7-T3": [Event(15, 30, "cpsz", "F7-T3")]}, 100.0)  # fmt: skip
    ref = find_reference(edf)
    assert [(e.start, e.stop, e.label, e.channel) for e in ref.seizures] == [(10, 30, "cpsz", "TERM")]
    assert ref.source.endswith(".csv")


def test_every_format_beside_the_edf_is_found(tmp_path):
    """The finder of detection is the one of corpus indexing: v1 and BIDS files count too."""
    edf = tmp_path / "abcdefgh_s001_t002.edf"
    write_annotations(edf.with_suffix(".tse_bi"), Annotation("abcdefgh_s001_t002", 50.0, [Event(5, 9, "seiz")]))
    write_annotations(edf.with_suffix(".tse"), Annotation("abcdefgh_s001_t002", 50.0, [Event(5, 9, "absz")]))
    ref = find_reference(edf)
    assert ref.source.endswith(".tse_bi") and [(e.start, e.stop, e.label) for e in ref.seizures] == [(5, 9, "absz")]
    bids = tmp_path / "sub-01_ses-01_task-szMonitoring_run-00_eeg.edf"
    events = tmp_path / "sub-01_ses-01_task-szMonitoring_run-00_events.tsv"
    write_annotations(events, Annotation("x", 60.0, [Event(1, 2, "fnsz")]))
    assert annotation_files_beside(bids)["_events.tsv"] == str(events)
    assert [(e.start, e.label) for e in find_reference(bids).seizures] == [(1, "fnsz")]


@pytest.mark.parametrize(
    "name, subject",
    [
        ("aaaaaaac_s001_t000", "aaaaaaac"),
        ("aaaaaaac_s001_t000.csv_bi", "aaaaaaac"),
        ("/data/edf/eval/aaaaaaac/s001_2015_01_01/01_tcp_ar/aaaaaaac_s001_t002.edf", "aaaaaaac"),
        ("00000258_s002_t000.tse_bi", "00000258"),
        ("/data/sub-set/aaaaaaac_s001_t000.csv_bi", "aaaaaaac"),  # the name wins over a folder
        ("sub-07_ses-01_task-szMonitoring_run-00_events.tsv", "sub-07"),
        ("sub-07_ses-01_task-szMonitoring_run-00_eeg.edf", "sub-07"),
        ("sub-01_ses-1_run-2_eeg", "sub-01"),
        ("/bids/sub-12/ses-01/eeg/run-00_events.tsv", "sub-12"),
        ("chb01_03.edf", "chb01"),
        ("recording_17.csv_bi", "recording"),
        ("holter night 3", "holter night 3"),
        ("_odd.csv_bi", "_odd"),
    ],
)
def test_subject_rule(name, subject):
    assert subject_of(name) == subject
    assert patient_of(name) == subject and scoring_subject_of(name) == subject


def test_root_folder_rule_applies_only_under_the_root(tmp_path):
    assert subject_of(tmp_path / "p03" / "night1.edf", root=tmp_path) == "p03"
    assert subject_of(tmp_path / "night1.edf", root=tmp_path) == "night1"
    assert subject_of(tmp_path / "p03" / "night1.edf") == "night1"
    assert subject_of(tmp_path / "p03" / "night1.edf", root=tmp_path / "elsewhere") == "night1"
    assert subject_of(tmp_path / "p03" / "aaaaaaac_s001_t000.edf", root=tmp_path) == "aaaaaaac"


def test_parse_tusz_name():
    assert parse_tusz_name("x/aaaaaaac_s001_t000.csv_bi") == {"subject": "aaaaaaac", "session": "s001",
                                                              "segment": "t000"}  # fmt: skip
    assert parse_tusz_name("aaaaaaac_s001") is None and parse_tusz_name("chb01_03") is None


def test_detection_references_re_exports_the_io_names():
    import seizure.io.references as io_references

    for name in ("Reference", "find_reference", "typed_seizures", "UNKNOWN_TYPE"):
        assert getattr(detection_references, name) is getattr(io_references, name)
    assert detection_references.patient_of is io_references.subject_of


NAMES = {
    # file stem -> subject every path must agree on
    "aaaaaaac_s001_t000": "aaaaaaac",
    "aaaaaaac_s002_t001": "aaaaaaac",
    "00000258_s001_t000": "00000258",
    "sub-01_ses-01_task-szMonitoring_run-00": "sub-01",
    "sub-01_ses-01_task-szMonitoring_run-01": "sub-01",
    "chb01_03": "chb01",
    "chb01_04": "chb01",
    "chb02_01": "chb02",
    "holter": "holter",
}


def test_same_names_same_subject_through_corpus_scoring_and_detection(tmp_path):
    """Corpus indexing (plain folder), SzCORE grouping (``seizure score`` and ``score_corpus``) and
    detection references give one file the same subject."""
    corpus, ref, hyp = tmp_path / "corpus", tmp_path / "ref", tmp_path / "hyp"
    for d in (corpus, ref, hyp):
        d.mkdir()
    for stem in NAMES:
        (corpus / f"{stem}.edf").write_bytes(b"0")
        write_csv_bi(corpus / f"{stem}.csv_bi", [Event(10, 20, "seiz")], 100.0, stem)
        write_csv_bi(ref / f"{stem}.csv_bi", [Event(10, 20, "seiz")], 100.0, stem)
        write_csv_bi(hyp / f"{stem}.csv_bi", [Event(10, 20, "seiz")] if "s001" in stem else [], 100.0, stem)
    recs, skipped = scan_corpus(corpus, "plain", headers=False)
    assert not skipped
    by_corpus = {r.bname: r.subject for r in recs}
    assert by_corpus == NAMES
    assert {stem: patient_of(stem) for stem in NAMES} == NAMES
    assert {stem: scoring_subject_of(str(ref / f"{stem}.csv_bi")) for stem in NAMES} == NAMES
    n_subjects = len(set(NAMES.values()))
    doc = score_files(ref, hyp, ("szcore_event",))
    assert doc["metrics"]["szcore_event"]["per_subject"]["n_subjects"] == n_subjects
    pairs = [(Annotation(stem, 100.0, [Event(10, 20, "seiz")]), Annotation(stem, 100.0, [])) for stem in NAMES]
    assert score_corpus(pairs, ("szcore_event",))["metrics"]["szcore_event"]["per_subject"]["n_subjects"] == n_subjects
    # per-subject sensitivity: detected only where the hypothesis has the seizure (the s001 files)
    per = {s: [stem for stem in NAMES if NAMES[stem] == s] for s in set(NAMES.values())}
    expected = sum(sum("s001" in stem for stem in stems) / len(stems) for stems in per.values()) / len(per)
    assert doc["metrics"]["szcore_event"]["per_subject"]["sensitivity_mean"] == pytest.approx(expected)
