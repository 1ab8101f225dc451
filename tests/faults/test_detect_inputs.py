"""`seizure detect` on batches with bad inputs: a bad reference never blocks detection, a failed
input makes the exit status non-zero unless asked otherwise, and nothing is silently dropped."""

from __future__ import annotations

import json

from seizure_app.cli import main


def _batch(tmp_path, write_tusz_edf):
    good = [write_tusz_edf(tmp_path / "in" / f"rec{i}.edf", seconds=60, seizure=(20.0, 35.0), seed=i) for i in range(2)]
    damaged = tmp_path / "in" / "damaged.edf"
    damaged.write_bytes(good[0].read_bytes()[:1000])  # a header cut short
    return good, damaged


def test_a_failed_input_makes_detect_exit_1_unless_keep_going(tmp_path, write_tusz_edf, tiny_run_dir, capsys):
    """Before: exit 0 when 11 of 16 files failed, unless --strict was given."""
    good, damaged = _batch(tmp_path, write_tusz_edf)
    code = main(
        ["detect", str(tmp_path / "in"), "--model", str(tiny_run_dir), "--out", str(tmp_path / "a"), "--no-timelines"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "1 recording(s) could not be processed" in out and "damaged.edf" in out and "--keep-going" in out
    doc = json.loads((tmp_path / "a" / "detections.json").read_text())
    assert sorted(r["bname"] for r in doc["recordings"]) == ["rec0", "rec1"]
    assert [e["recording"] for e in doc["errors"]] == [str(damaged)]
    code = main(
        [
            "detect",
            str(tmp_path / "in"),
            "--model",
            str(tiny_run_dir),
            "--out",
            str(tmp_path / "b"),
            "--no-timelines",
            "--keep-going",
        ]
    )
    assert code == 0
    assert (
        main(["detect", str(damaged), "--model", str(tiny_run_dir), "--out", str(tmp_path / "c"), "--keep-going"]) == 1
    )  # nothing succeeded: never 0


def test_malformed_reference_does_not_block_detection(tmp_path, write_tusz_edf, tiny_run_dir, capsys):
    """Before: a malformed reference file beside a valid EEG stopped its detection (and exit was 0)."""
    edf = write_tusz_edf(tmp_path / "in" / "rec.edf", seconds=60, seizure=(20.0, 35.0))
    edf.with_suffix(".csv_bi").write_text(
        "# version = csv_v1.0.0\nchannel,start_time,stop_time,label\nTERM,abc,,seiz\n"
    )
    code = main(["detect", str(edf), "--model", str(tiny_run_dir), "--out", str(tmp_path / "d")])
    out = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / "d" / "hyp" / "rec.csv_bi").is_file() and (tmp_path / "d" / "timelines" / "rec.png").is_file()
    doc = json.loads((tmp_path / "d" / "detections.json").read_text())
    (entry,) = doc["recordings"]
    assert entry["reference"] is None and "AnnotationError" in entry["reference_error"]
    assert "rec.csv_bi" in entry["reference_error"]  # the problem names the reference file
    assert "reference not used (detected all the same)" in out
