"""Cache: keyed, reused, invalidated, atomic and resumable; per-step labels; `seizure prepare`."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from seizure.cache import load_entry, prepare_corpus, prepare_recording, steps_dir
from seizure.io.annotations import read_csv_bi
from seizure.io.corpus import index_tusz
from seizure.preprocessing import STEPS as STEP_REGISTRY
from seizure.windows import step_labels

STEPS = [{"name": "resample", "sfreq": 50.0}, {"name": "bandpass", "l_freq": 0.5, "h_freq": 20.0}]


@pytest.fixture(scope="module")
def corpus(synthetic_corpus):
    return synthetic_corpus


def test_entry_meta_labels_and_reuse(corpus, tmp_path):
    rec = next(r for r in index_tusz(corpus) if read_csv_bi(r.csv_bi).seizures())
    a = prepare_recording(rec, STEPS, tmp_path, label_step_s=1.0)
    m = a.meta
    assert {"key", "bname", "split", "subject", "montage", "edf", "csv_bi", "source_hash", "sfreq", "duration_s",
            "present", "seizures", "labels", "rows_per_channel"} <= set(m)  # fmt: skip
    lab = step_labels(a.seizures, a.duration, 1.0, "majority")
    runs = np.zeros_like(lab)
    for s, e in m["labels"]["majority"]:
        runs[s:e] = 1
    np.testing.assert_array_equal(runs, lab)
    mtime = (a.path / "signals.npy").stat().st_mtime_ns
    b = prepare_recording(rec, STEPS, tmp_path)
    assert b.path == a.path and (b.path / "signals.npy").stat().st_mtime_ns == mtime
    os.utime(rec.edf)  # same bytes, new mtime: rehashed, same entry, nothing recomputed
    c = prepare_recording(rec, STEPS, tmp_path)
    assert c.path == a.path and (c.path / "signals.npy").stat().st_mtime_ns == mtime


def test_changed_file_or_config_makes_a_new_entry(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    rec = index_tusz(work)[0]
    a = prepare_recording(rec, STEPS, tmp_path / "cache")
    b = prepare_recording(rec, STEPS + [{"name": "scale", "factor": 2.0}], tmp_path / "cache")
    assert b.path.parent.parent != a.path.parent.parent  # another steps folder
    np.testing.assert_allclose(np.asarray(b.signals), 2 * np.asarray(a.signals), rtol=1e-5, atol=1e-4)
    text = Path(rec.csv_bi).read_text().replace("1.0000\n", "0.9000\n", 1)
    Path(rec.csv_bi).write_text(text)
    c = prepare_recording(rec, STEPS, tmp_path / "cache")
    assert c.path != a.path and c.meta["source_hash"] != a.meta["source_hash"]


def test_feature_step_is_cached_with_rows_per_channel(corpus, tmp_path):
    def two_rows(data, sfreq):  # 2 rows per channel at 1 frame per second
        n = data.shape[1] // int(sfreq)
        f = data[:, : n * int(sfreq)].reshape(data.shape[0], n, int(sfreq))
        return np.stack([f.mean(-1), f.std(-1)], axis=1).reshape(2 * data.shape[0], n), 1.0

    STEP_REGISTRY["_two"] = two_rows
    try:
        rec = next(r for r in index_tusz(corpus) if r.montage.endswith("_a"))
        e = prepare_recording(rec, STEPS + [{"name": "_two"}], tmp_path)
    finally:
        del STEP_REGISTRY["_two"]
    assert e.meta["rows_per_channel"] == 2 and e.sfreq == 1.0 and e.signals.shape[0] == 44
    assert not np.any(e.signals[16:18]) and not np.any(e.signals[26:28])  # A1-T3, T4-A2 absent
    assert np.all(np.asarray(e.signals[1]) > 0)  # std rows of a real channel


def test_resume_after_interruption(corpus, tmp_path):
    recs = index_tusz(corpus)

    def stop_after_two(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        prepare_corpus(recs, STEPS, tmp_path, progress=stop_after_two)
    first = {p.parent: p.stat().st_mtime_ns for p in tmp_path.rglob("signals.npy")}
    assert len(first) == 2
    # a crashed writer's leftover (dead pid) is cleaned, a finished entry is never rewritten
    leftover = next(iter(first)).parent / f".{recs[-1].bname}-x.999999.tmp"
    leftover.mkdir()
    entries, excl = prepare_corpus(recs, STEPS, tmp_path)
    assert not excl and len(entries) == len(recs) and not leftover.exists()
    for path, mtime in first.items():
        assert (path / "signals.npy").stat().st_mtime_ns == mtime
    manifest = json.loads((steps_dir(tmp_path, STEPS) / "manifest.json").read_text())
    assert len(manifest["entries"]) == len(recs) and manifest["exclusions"] == []


def test_jobs_give_identical_entries(corpus, tmp_path):
    recs = index_tusz(corpus)[:3]
    one, _ = prepare_corpus(recs, STEPS, tmp_path / "a", jobs=1)
    two, _ = prepare_corpus(recs, STEPS, tmp_path / "b", jobs=2)
    assert [e.key for e in one] == [e.key for e in two]
    for a, b in zip(one, two):
        np.testing.assert_array_equal(np.asarray(a.signals), np.asarray(b.signals))


def main(argv):
    """``seizure prepare`` without importing every other subcommand (the full CLI imports
    Lightning and MLflow, which costs seconds per test)."""
    import argparse

    from seizure_app.commands import prepare as command

    parser = argparse.ArgumentParser(prog="seizure")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_prepare_reports_exclusions(corpus, tmp_path, capsys):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    recs = index_tusz(work)
    with open(recs[1].edf, "r+b") as fh:
        fh.truncate(os.path.getsize(recs[1].edf) - 5000)
    Path(recs[2].csv_bi).unlink()
    Path(recs[2].csv).unlink()
    cache = tmp_path / "cache"
    args = ["prepare", "--data", str(work), "--cache-dir", str(cache), "--jobs", "2",
            "--exclusions", str(tmp_path / "excl.json"), "data.preprocessing=" + json.dumps(STEPS)]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr()
    lines = [line for line in out.err.splitlines() if line.startswith("excluded ")]
    assert len(lines) == 2
    assert any(Path(recs[1].edf).name in line and "file is truncated" in line for line in lines)
    assert any(Path(recs[2].edf).name in line and "no annotation file" in line for line in lines)
    assert f"prepared {len(recs) - 2}, excluded 2" in out.out
    tsv = (steps_dir(cache, STEPS) / "exclusions.tsv").read_text().splitlines()
    assert tsv[0] == "file\tsplit\treason" and len(tsv) == 3
    assert len(json.loads((tmp_path / "excl.json").read_text())) == 2
    # nothing usable: exit 1
    empty = tmp_path / "empty"
    shutil.copytree(work, empty)
    for r in index_tusz(empty):
        Path(r.edf).write_bytes(b"")
    assert main(["prepare", "--data", str(empty), "--cache-dir", str(cache)]) == 1


def test_load_entry_is_memory_mapped(corpus, tmp_path):
    e = prepare_recording(index_tusz(corpus)[0], STEPS, tmp_path)
    again = load_entry(e.path)
    assert isinstance(again.signals, np.memmap) and again.signals.dtype == np.float32
    assert again.signals.shape == (22, again.meta["n_times"])


def test_source_hash_is_sha1_of_names_and_bytes_with_or_without_mmap(tmp_path, monkeypatch):
    """The memory-mapped, windowed hash equals the plain one (entry names do not change)."""
    import hashlib
    import mmap

    import seizure.cache as cache

    paths = []
    for name, n in [("x.edf", 2 * cache._HASH_WINDOW + 12345), ("x.csv", 0), ("x.csv_bi", 777)]:
        (tmp_path / name).write_bytes(os.urandom(n))
        paths.append(str(tmp_path / name))
    ref = hashlib.sha1()
    for p in paths:
        ref.update(os.path.basename(p).encode())
        ref.update(Path(p).read_bytes())
    assert cache._file_hash(paths) == ref.hexdigest()[:16]
    real, calls = mmap.mmap, []

    def failing_second(*a, **k):  # a file system where mapping fails part-way: plain reads take over
        calls.append(1)
        if len(calls) == 2:
            raise OSError("no mmap")
        return real(*a, **k)

    monkeypatch.setattr(cache.mmap, "mmap", failing_second)
    assert cache._file_hash(paths) == ref.hexdigest()[:16] and len(calls) >= 2
