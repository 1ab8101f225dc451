"""Faults of the machine stop the command loudly; they are never recorded as bad recordings.

A real full disk is made with a small tmpfs where this process may mount one (root, as in CI);
elsewhere the same path is exercised by an injected ``ENOSPC``.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import subprocess
from pathlib import Path

import numpy as np
import pytest
from edfio import Edf, EdfSignal

from seizure.cache import prepare_corpus
from seizure.config import load_config
from seizure.io.annotations import write_csv_bi
from seizure.io.corpus import index_tusz
from seizure_app.cli import main

ELECTRODES = ["FP1", "F7", "T3", "T5", "O1", "FP2", "F8", "T4", "T6", "O2", "A1", "A2", "C3", "CZ", "C4",
              "F3", "P3", "F4", "P4"]  # fmt: skip


def corpus(root: Path, n: int = 3, seconds: int = 300) -> Path:
    """``n`` TUSZ v2 recordings (250 Hz, 19 electrodes) with their ``.csv_bi`` files."""
    rng = np.random.default_rng(0)
    for i in range(n):
        subject = "aaaaaa" + "abcdefgh"[i] * 2
        path = root / "edf" / "train" / subject / "s001_2020_01_01" / "01_tcp_ar" / f"{subject}_s001_t000.edf"
        path.parent.mkdir(parents=True)
        signals = [
            EdfSignal(
                rng.normal(0, 30, 250 * seconds),
                250.0,
                label=f"EEG {e}-REF",
                physical_dimension="uV",
                physical_range=(-500, 500),
            )
            for e in ELECTRODES
        ]
        Edf(signals, starttime=datetime.time(8, 0, 0), data_record_duration=1).write(path)
        write_csv_bi(path.with_suffix(".csv_bi"), [], float(seconds), path.stem)
    return root


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_full_cache_disk_stops_prepare_with_the_path_and_the_space(tmp_path, capsys):
    """Before: ENOSPC became a per-recording exclusion and the run went on with what was left."""
    data = corpus(tmp_path / "corpus")
    with small_tmpfs(tmp_path / "full", "4m") as cache:  # room for one recording (2.5 MiB of signals), not two
        code = main(["prepare", "--data", str(data), "--cache-dir", str(cache)])
        err = capsys.readouterr().err
        assert code == 1
        assert "no space left on device" in err and "signals.npy" in err and "MiB free" in err
        assert "fault of the machine" in err
        assert "excluded" not in err  # not a bad recording
        assert not list(cache.rglob("manifest.json"))  # no manifest claims a finished batch
        metas = list(cache.rglob("meta.json"))
        assert len(metas) == 1  # the recording finished before the disk filled is complete and readable
        assert np.load(metas[0].parent / "signals.npy", mmap_mode="r").shape == (22, 300 * 100)


def test_injected_enospc_stops_prepare_instead_of_excluding(tmp_path, monkeypatch):
    import seizure.storage as storage

    recs = index_tusz(corpus(tmp_path / "corpus", n=2, seconds=60))

    def full(fd, offset, size):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "posix_fallocate", full)
    steps = load_config().data.preprocessing
    with pytest.raises(OSError, match=r"no space left on device: .* MiB needed for this file, .* free") as info:
        prepare_corpus(recs, steps, tmp_path / "cache")
    assert info.value.errno == errno.ENOSPC and info.value.filename.endswith("signals.npy")
    assert not list((tmp_path / "cache").rglob("meta.json"))  # nothing half-written is trusted
    assert not list((tmp_path / "cache").rglob("manifest.json"))


def test_read_only_cache_folder_is_a_clear_error(tmp_path, capsys):
    data = corpus(tmp_path / "corpus", n=1, seconds=30)
    cache = tmp_path / "cache-file"
    cache.write_text("a file where a folder is expected")
    code = main(["prepare", "--data", str(data), "--cache-dir", str(cache)])
    err = capsys.readouterr().err
    assert code == 1 and str(cache) in err and "Traceback" not in err


def test_output_dir_that_is_a_file_is_a_clear_error(tmp_path, capsys):
    """Before: a file-not-folder (or read-only) output_dir gave a raw traceback."""
    data = corpus(tmp_path / "corpus", n=1, seconds=30)
    not_a_folder = tmp_path / "runs"
    not_a_folder.write_text("a file where the run folders should go")
    code = main(["train", "--data", str(data), f"output_dir={not_a_folder}", f"data.cache_dir={tmp_path / 'cache'}"])
    err = capsys.readouterr().err
    assert code == 1 and str(not_a_folder) in err and "Traceback" not in err
