"""``seizure score``: pairing of directories and list files, text and JSON output, errors."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

import seizure_app
import seizure_app.score
from seizure._validation import SeizureError
from seizure.io.annotations import Annotation, AnnotationError, Event, read_csv_bi, write_csv_bi, write_events_tsv
from seizure.scoring import EPOCH_S, METRICS, PAIR_DURATION_TOLERANCE_S, ScoringError
from seizure_app.score import ScoreFileNotFound, format_scores, list_files, pair_files, score_files

# Loaded by path: importing ``seizure_app.commands`` imports every subcommand (and with them
# Lightning and MLflow), which takes longer than all these tests together.
_spec = importlib.util.spec_from_file_location(
    "_score_command", Path(seizure_app.__file__).parent / "commands" / "score.py"
)
score_cmd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_cmd)


def run_score(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="seizure")
    sub = parser.add_subparsers(dest="command", required=True)
    score_cmd.register(sub)
    args = parser.parse_args(["score", *argv])
    return args.func(args)


def seiz(*spans):
    return [Event(float(a), float(b), "seiz") for a, b in spans]


@pytest.fixture()
def corpus(tmp_path):
    """Two TUSZ-style trees: references nested per subject, hypotheses flat."""
    ref, hyp = tmp_path / "ref", tmp_path / "hyp"
    files = {
        "aaaaaaac_s001_t000": (300.0, seiz((10, 30)), seiz((12, 15), (50, 51))),
        "aaaaaaac_s002_t000": (600.0, [], seiz((100, 110))),
        "aaaaaaad_s001_t001": (900.0, seiz((200, 260), (500, 520)), seiz((210, 230))),
    }
    for name, (dur, r, h) in files.items():
        (ref / name[:8]).mkdir(parents=True, exist_ok=True)
        hyp.mkdir(exist_ok=True)
        write_csv_bi(ref / name[:8] / f"{name}.csv_bi", r, dur, name)
        write_csv_bi(hyp / f"{name}.csv_bi", h, dur, name)
    return ref, hyp


def test_directories_text_and_json(corpus, tmp_path, capsys):
    ref, hyp = corpus
    out_json = tmp_path / "out" / "scores.json"
    assert run_score([str(ref), str(hyp), "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    assert "3 files, 0.50 h" in text
    for title in ("NEDC OVLP", "NEDC TAES", "NEDC EPOCH", "NEDC DPALIGN", "NEDC IRA", "SzCORE event", "SzCORE sample"):
        assert title in text
    assert "SEIZ" in text and "BCKG" in text
    doc = json.loads(out_json.read_text())
    assert doc["n_files"] == 3 and doc["total_duration_s"] == 1800.0
    assert list(doc["metrics"]) == ["ovlp", "taes", "epoch", "dpalign", "ira", "szcore_event", "szcore_sample"]
    s = doc["metrics"]["ovlp"]["seiz"]
    assert (s["targets"], s["hits"], s["misses"], s["false_alarms"]) == (3, 2, 1, 2)
    assert s["fa_per_24h"] == pytest.approx(2 / 1800 * 86400)
    assert doc["metrics"]["szcore_event"]["per_subject"]["sensitivity_mean"] is not None


def test_metrics_option_and_unknown_metric(corpus, tmp_path):
    ref, hyp = corpus
    out_json = tmp_path / "s.json"
    run_score([str(ref), str(hyp), "--metrics", "ovlp,taes_exact", "szcore_event", "--json", str(out_json)])
    assert list(json.loads(out_json.read_text())["metrics"]) == ["ovlp", "taes_exact", "szcore_event"]
    with pytest.raises(ValueError, match="unknown metric"):
        run_score([str(ref), str(hyp), "--metrics", "overlap"])


def test_list_files_pair_by_line(corpus, tmp_path):
    ref, hyp = corpus
    refs = sorted(ref.rglob("*.csv_bi"))
    hyps = [hyp / p.name for p in refs]
    (tmp_path / "ref.list").write_text("# references\n" + "\n".join(map(str, refs)) + "\n\n")
    (tmp_path / "hyp.list").write_text("\n".join(str(p.relative_to(tmp_path)) for p in hyps) + "\n")
    by_line = score_files(tmp_path / "ref.list", tmp_path / "hyp.list", ("ovlp", "taes", "szcore_event"))
    by_name = score_files(ref, hyp, ("ovlp", "taes", "szcore_event"))
    assert by_line == by_name
    (tmp_path / "short.list").write_text(str(hyps[0]) + "\n")
    with pytest.raises(ValueError, match="lists 3 files but .* lists 1"):
        pair_files(tmp_path / "ref.list", tmp_path / "short.list")
    (tmp_path / "bad.list").write_text("nowhere/x.csv_bi\n")
    with pytest.raises(FileNotFoundError, match=r"bad.list:1"):
        pair_files(tmp_path / "bad.list", tmp_path / "hyp.list")


def test_missing_hypothesis_is_an_error_unless_flagged(corpus):
    ref, hyp = corpus
    (hyp / "aaaaaaac_s002_t000.csv_bi").unlink()
    with pytest.raises(FileNotFoundError, match="aaaaaaac_s002_t000.csv_bi.*--missing-hyp-as-empty"):
        pair_files(ref, hyp)
    doc = score_files(ref, hyp, ("ovlp",), missing_hyp_as_empty=True)
    assert doc["n_files"] == 3
    assert doc["metrics"]["ovlp"]["seiz"]["false_alarms"] == 1


def test_duration_mismatch_extra_hypothesis_and_unknown_label_name_the_file(corpus):
    ref, hyp = corpus
    write_csv_bi(hyp / "aaaaaaac_s002_t000.csv_bi", [], 601.0, "aaaaaaac_s002_t000")
    with pytest.raises(ValueError, match=r"aaaaaaac_s002_t000.csv_bi: duration 601.0 s differs"):
        pair_files(ref, hyp)
    write_csv_bi(hyp / "aaaaaaac_s002_t000.csv_bi", [], 600.0, "aaaaaaac_s002_t000")
    write_csv_bi(hyp / "zzzzzzzz_s001_t000.csv_bi", [], 600.0, "zzzzzzzz_s001_t000")
    with pytest.raises(ValueError, match="zzzzzzzz_s001_t000.csv_bi: hypothesis without a reference"):
        pair_files(ref, hyp)
    (hyp / "zzzzzzzz_s001_t000.csv_bi").unlink()
    bad = hyp / "aaaaaaac_s002_t000.csv_bi"
    bad.write_text(bad.read_text().replace("TERM,0.0000,600.0000,bckg", "TERM,0.0000,600.0000,artf"))
    with pytest.raises(ValueError, match="aaaaaaac_s002_t000.csv_bi"):
        pair_files(ref, hyp)


def test_bids_events_tsv_accepted(tmp_path):
    ref, hyp = tmp_path / "ref", tmp_path / "hyp"
    for root, events in ((ref, seiz((100, 160))), (hyp, seiz((120, 130), (900, 910)))):
        d = root / "sub-01" / "ses-01" / "eeg"
        d.mkdir(parents=True)
        write_events_tsv(d / "sub-01_ses-01_task-szMonitoring_run-00_events.tsv", Annotation("x", 3600.0, events))
    doc = score_files(ref, hyp, ("ovlp", "szcore_event"))
    assert doc["n_files"] == 1
    assert doc["metrics"]["ovlp"]["seiz"]["hits"] == 1
    ev = doc["metrics"]["szcore_event"]
    assert (ev["tp"], ev["fp"], ev["ref_true"]) == (1, 1, 1)


def test_empty_reference_directory(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "h").mkdir()
    with pytest.raises(FileNotFoundError, match="no reference annotation file"):
        pair_files(tmp_path / "r", tmp_path / "h")
    with pytest.raises(FileNotFoundError, match="no such directory or list file"):
        pair_files(tmp_path / "nope", tmp_path / "h")


@pytest.fixture()
def same_length(tmp_path):
    """Two recordings of the same duration, each detected perfectly by its hypothesis."""
    ref, hyp = tmp_path / "ref", tmp_path / "hyp"
    ref.mkdir()
    hyp.mkdir()
    spans = {"aaaaaaac_s001_t000": (10, 30), "aaaaaaad_s001_t000": (200, 260)}
    for name, span in spans.items():
        write_csv_bi(ref / f"{name}.csv_bi", seiz(span), 600.0, name)
        write_csv_bi(hyp / f"{name}.csv_bi", seiz(span), 600.0, name)
    return ref, hyp, sorted(spans)


def _lists(tmp_path, ref_lines, hyp_lines, newline="\n", bom=False):
    prefix = "\ufeff" if bom else ""
    (tmp_path / "ref.list").write_text(prefix + newline.join(map(str, ref_lines)) + newline, newline="")
    (tmp_path / "hyp.list").write_text(prefix + newline.join(map(str, hyp_lines)) + newline, newline="")
    return tmp_path / "ref.list", tmp_path / "hyp.list"


def test_swapped_list_lines_are_refused_not_scored(same_length, tmp_path):
    ref, hyp, names = same_length
    refs = [ref / f"{n}.csv_bi" for n in names]
    good = _lists(tmp_path, refs, [hyp / f"{n}.csv_bi" for n in names])
    assert score_files(*good, ("ovlp",))["metrics"]["ovlp"]["seiz"]["sensitivity"] == 1.0
    swapped = _lists(tmp_path, refs, [hyp / f"{n}.csv_bi" for n in reversed(names)])
    with pytest.raises(
        ScoringError,
        match=r"hyp\.list:1: hypothesis .*aaaaaaad_s001_t000.*ref\.list:1"
        r".*aaaaaaac_s001_t000.*expected both lines to name the same recording",
    ):
        pair_files(*swapped)
    with pytest.raises(ValueError, match="same recording"):  # what the CLI reports as an error
        run_score([str(p) for p in swapped])


def test_hypothesis_renamed_but_with_the_same_bname_is_paired(same_length, tmp_path):
    ref, hyp, names = same_length
    renamed = []
    for n in names:
        dst = tmp_path / "out" / f"{n}_hyp.csv_bi"
        dst.parent.mkdir(exist_ok=True)
        dst.write_text((hyp / f"{n}.csv_bi").read_text())
        renamed.append(dst)
    lists = _lists(tmp_path, [ref / f"{n}.csv_bi" for n in names], renamed)
    assert score_files(*lists, ("ovlp",))["metrics"]["ovlp"]["seiz"]["sensitivity"] == 1.0
    write_csv_bi(renamed[1], seiz((200, 260)), 600.0, "zzzzzzzz_s001_t000")
    with pytest.raises(ScoringError, match=r"hyp\.list:2: .*expected both lines to name the same recording"):
        pair_files(*lists)


def test_a_line_listed_twice_is_refused(same_length, tmp_path):
    ref, hyp, names = same_length
    r0, h0 = ref / f"{names[0]}.csv_bi", hyp / f"{names[0]}.csv_bi"
    lists = _lists(tmp_path, [r0, ref / f"{names[1]}.csv_bi", r0], [h0, hyp / f"{names[1]}.csv_bi", h0])
    with pytest.raises(ScoringError, match=r"ref\.list:3: .*already listed at line 1; expected each file once"):
        pair_files(*lists)
    copy = tmp_path / "copy" / r0.name
    copy.parent.mkdir()
    copy.write_text(r0.read_text())
    hcopy = tmp_path / "hcopy" / h0.name
    hcopy.parent.mkdir()
    hcopy.write_text(h0.read_text())
    lists = _lists(tmp_path, [r0, copy], [h0, hcopy])
    with pytest.raises(
        ScoringError,
        match=r"ref\.list:2: reference .* is recording 'aaaaaaac_s001_t000', "
        r"already listed at .*ref\.list:1; expected each recording once",
    ):
        pair_files(*lists)
    # one recording in two formats of one tree
    write_events_tsv(ref / f"{names[0]}_events.tsv", read_csv_bi(r0))
    with pytest.raises(
        ScoringError,
        match=r"_events\.tsv: reference .* is recording 'aaaaaaac_s001_t000', already "
        r"listed at .*aaaaaaac_s001_t000\.csv_bi; expected each recording once",
    ):
        pair_files(ref, hyp)
    # a list paired with a directory: the duplicate file name is named with its line
    with pytest.raises(ScoringError, match=r"ref\.list:2\): file name aaaaaaac_s001_t000.csv_bi also found"):
        pair_files(lists[0], hyp)


@pytest.mark.parametrize("newline, bom", [("\r\n", True), ("\r\n", False), ("\n", True)])
def test_list_files_with_bom_and_crlf(same_length, tmp_path, newline, bom):
    ref, hyp, names = same_length
    lists = _lists(tmp_path, [ref / f"{n}.csv_bi" for n in names], [hyp / f"{n}.csv_bi" for n in names], newline, bom)
    files, is_list = list_files(lists[0])
    assert is_list and files == [ref / f"{n}.csv_bi" for n in names]
    assert score_files(*lists, ("ovlp",))["n_files"] == 2


def test_list_line_of_an_unreadable_file_is_named(same_length, tmp_path):
    ref, hyp, names = same_length
    bad = tmp_path / "bad.csv_bi"
    bad.write_text("not an annotation\n")
    lists = _lists(tmp_path, [ref / f"{names[0]}.csv_bi"], [bad])
    with pytest.raises(AnnotationError, match=r"hyp\.list:1: hypothesis .*bad\.csv_bi:1: expected column header"):
        pair_files(*lists)


def test_scoring_errors_are_seizure_errors(corpus, tmp_path):
    ref, hyp = corpus
    with pytest.raises(ScoreFileNotFound) as info:
        pair_files(tmp_path / "nope", hyp)
    assert isinstance(info.value, SeizureError) and isinstance(info.value, FileNotFoundError)
    with pytest.raises(ScoringError, match="unknown metric"):
        score_files(ref, hyp, ("overlap",))
    assert not hasattr(seizure_app.score, "score_dirs")


def test_duration_tolerance_default_is_the_scoring_constant(corpus):
    parser = argparse.ArgumentParser(prog="seizure")
    score_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["score", "r", "h"])
    assert args.duration_tolerance == PAIR_DURATION_TOLERANCE_S == 0.01
    ref, hyp = corpus
    write_csv_bi(hyp / "aaaaaaac_s002_t000.csv_bi", [], 600.01, "aaaaaaac_s002_t000")
    assert len(pair_files(ref, hyp)[0]) == 3
    write_csv_bi(hyp / "aaaaaaac_s002_t000.csv_bi", [], 600.02, "aaaaaaac_s002_t000")
    with pytest.raises(ScoringError, match="by more than 0.01 s"):
        pair_files(ref, hyp)


def test_every_metric_has_a_title_in_the_text_output(corpus):
    ref, hyp = corpus
    doc = score_files(ref, hyp, METRICS)
    text = format_scores(doc)
    assert set(seizure_app.score._TITLES) == set(METRICS)
    for metric in METRICS:
        assert seizure_app.score._TITLES[metric].format(epoch_s=EPOCH_S) in text
    assert "-30 s/+60 s, merge < 90 s, split > 300 s" in text and "1 Hz label masks" in text
