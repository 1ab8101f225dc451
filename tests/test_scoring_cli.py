"""``seizure score``: pairing of directories and list files, text and JSON output, errors."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

import pipelines
from pipelines.score import pair_files, score_files
from seizure.io.annotations import Annotation, Event, write_csv_bi, write_events_tsv

# Loaded by path: importing ``pipelines.commands`` imports every subcommand (and with them
# Lightning and MLflow), which takes longer than all these tests together.
_spec = importlib.util.spec_from_file_location(
    "_score_command", Path(pipelines.__file__).parent / "commands" / "score.py"
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
