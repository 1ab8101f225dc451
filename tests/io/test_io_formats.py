"""Annotation format registry: every format round-trips, reads BOM + CRLF files, and the format
modules depend only on io/events.py (no import cycle with the dispatcher)."""

import ast
import codecs
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import seizure.io.formats as formats_pkg
from seizure._validation import SeizureError
from seizure.io.annotations import (
    ANNOTATION_SUFFIXES,
    FORMATS,
    KNOWN_LABELS,
    Annotation,
    AnnotationError,
    Event,
    annotation_suffix,
    read_annotations,
    recording_name,
    write_annotations,
)
from seizure.io.corpus import Recording
from seizure.io.formats import tuh_v1

ANN = Annotation(
    "aaaaaaac_s001_t000",
    300.0,
    [Event(10.0, 40.5, "cpsz", "FP1-F7", 1.0), Event(12.0, 40.5, "cpsz", "F7-T3", 0.9),
     Event(200.0, 220.0, "fnsz", "T3-T5", 1.0)],
)  # fmt: skip


def _file(tmp_path, suffix):
    return tmp_path / f"aaaaaaac_s001_t000{suffix}"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
def test_every_registered_format_round_trips(tmp_path, fmt):
    p = _file(tmp_path, fmt.suffix)
    write_annotations(p, ANN)
    back = read_annotations(p)
    assert fmt.read(p) == back
    assert back.duration == pytest.approx(300.0)
    assert [(e.start, e.stop) for e in back.recording_seizures()] == [(10.0, 40.5), (200.0, 220.0)]
    if fmt.recording_level:
        assert {e.channel for e in back.events} == {"TERM"}
    else:
        assert {"FP1-F7", "F7-T3", "T3-T5"} <= set(back.channels)


def test_registry_matches_the_recording_fields_and_suffix_order():
    fields = {f.name for f in dataclasses.fields(Recording)}
    assert all(fmt.field in fields for fmt in FORMATS)
    assert ANNOTATION_SUFFIXES == (".csv_bi", "_events.tsv", ".tse_bi", ".csv", ".tse", ".lbl_bi", ".lbl")
    assert len({f.field for f in FORMATS}) == len(FORMATS)
    assert {f.suffix for f in FORMATS if not f.typed} == {".csv_bi", ".tse_bi", ".lbl_bi"}
    assert set(tuh_v1._LBL_SYMBOLS[1:]) == KNOWN_LABELS


@pytest.mark.parametrize(
    "name, suffix, stem",
    [
        ("aaaaaaac_s001_t000.csv_bi", ".csv_bi", "aaaaaaac_s001_t000"),
        ("/x/aaaaaaac_s001_t000.csv", ".csv", "aaaaaaac_s001_t000"),
        ("A.TSE_BI", ".tse_bi", "A"),
        ("sub-01_ses-01_task-sz_run-01_events.tsv", "_events.tsv", "sub-01_ses-01_task-sz_run-01"),
        ("sub-01_ses-01_task-sz_run-01_eeg.edf", None, "sub-01_ses-01_task-sz_run-01"),
        ("aaaaaaac_s001_t000.edf", None, "aaaaaaac_s001_t000"),
        ("notes.txt", None, "notes.txt"),
    ],
)
def test_suffix_and_recording_name(name, suffix, stem):
    assert annotation_suffix(name) == suffix
    assert recording_name(name) == stem


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.suffix)
@pytest.mark.parametrize("bom, newline", [(True, "\r\n"), (True, "\n"), (False, "\r\n"), (False, "\r")])
def test_bom_and_crlf_are_read_like_plain_files(tmp_path, fmt, bom, newline):
    plain = _file(tmp_path, fmt.suffix)
    write_annotations(plain, ANN)
    text = plain.read_text(encoding="utf-8")
    assert "\r" not in text and not text.startswith("\ufeff")
    odd = tmp_path / "odd" / plain.name
    odd.parent.mkdir()
    odd.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.replace("\n", newline).encode("utf-8"))
    expected = read_annotations(plain)
    got = read_annotations(odd)
    assert got.events == expected.events and got.duration == expected.duration and got.bname == expected.bname


def test_utf16_with_bom_is_read_and_binary_is_a_clear_error(tmp_path):
    plain = _file(tmp_path, ".csv_bi")
    write_annotations(plain, ANN)
    wide = tmp_path / "w" / plain.name
    wide.parent.mkdir()
    wide.write_bytes(plain.read_text().replace("\n", "\r\n").encode("utf-16"))
    assert read_annotations(wide).events == read_annotations(plain).events
    junk = tmp_path / "junk.tse"
    junk.write_bytes(b"\x80\x81\xfe binary")
    with pytest.raises(AnnotationError, match=r"junk\.tse: not a text annotation file"):
        read_annotations(junk)


def test_a_bom_in_a_bad_file_still_gives_the_line_number(tmp_path):
    p = tmp_path / "a.tse"
    p.write_bytes(codecs.BOM_UTF8 + b"version = tse_v1.0.0\r\n\r\n0.0 10.0 bckg 1.0\r\n20.0 15.0 seiz 1.0\r\n")
    with pytest.raises(AnnotationError, match=r"a\.tse:4: stop_time 15.0 must be greater"):
        read_annotations(p)


def test_annotation_errors_are_seizure_errors(tmp_path):
    with pytest.raises(SeizureError, match=r"x\.txt: unsupported annotation format"):
        read_annotations(tmp_path / "x.txt")
    with pytest.raises(SeizureError, match=r"missing\.csv_bi: cannot read annotation file"):
        read_annotations(tmp_path / "missing.csv_bi")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_format_modules_depend_only_on_events_and_text_helpers():
    allowed = {"seizure.io.events", "seizure.io.text"}
    modules = sorted(Path(formats_pkg.__file__).parent.glob("*.py"))
    assert {p.stem for p in modules} >= {"__init__", "csv", "tuh_v1", "bids"}
    for path in modules:
        inner = {m for m in _imports(path) if m.startswith("seizure")}
        assert inner <= allowed, f"{path.name} imports {sorted(inner - allowed)}"
    assert "seizure.io.annotations" not in _imports(Path(sys.modules["seizure.io.events"].__file__))


def test_format_modules_import_without_the_dispatcher():
    code = (
        "import sys\n"
        "import seizure.io.formats.csv, seizure.io.formats.tuh_v1, seizure.io.formats.bids\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('seizure'))\n"
        "assert 'seizure.io.annotations' not in loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(formats_pkg.__file__).parents[3])


def test_events_alias_is_gone():
    import seizure.io.annotations as annotations

    assert not hasattr(annotations, "Events")
