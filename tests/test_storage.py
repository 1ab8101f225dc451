"""Safe writes: unique run folders, atomic replacement, space reserved up front."""

from __future__ import annotations

import errno
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from seizure import storage


def test_run_folders_started_in_the_same_millisecond_do_not_collide(tmp_path, monkeypatch):
    """Before: two runs started in the same millisecond got the same folder name."""
    from datetime import datetime

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=tz)

    monkeypatch.setattr("datetime.datetime", Frozen)
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: storage.new_run_folder(tmp_path / "runs"), range(64)))
    assert len(set(made)) == 64 and all(p.is_dir() for p in made)
    assert all(p.name.startswith("20260102-030405-678-") for p in made)
    assert storage.new_run_folder(tmp_path, prefix="sweep-").name.startswith("sweep-")


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    storage.atomic_write_text(target, "old")

    def fail(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", fail)
    with pytest.raises(OSError):
        storage.atomic_write_text(target, "new and longer")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]  # no temporary file left behind


def test_reserve_space_names_needed_and_free_bytes(tmp_path, monkeypatch):
    def full(fd, offset, size):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "posix_fallocate", full)
    with open(tmp_path / "x.npy", "wb") as fh, pytest.raises(OSError, match=r"3\.0 MiB needed .* MiB free") as info:
        storage.reserve_space(fh.fileno(), 3 * 2**20, tmp_path / "x.npy")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "x.npy")


def test_reserve_space_allocates_the_whole_file(tmp_path):
    with open(tmp_path / "y.bin", "wb") as fh:
        storage.reserve_space(fh.fileno(), 1 << 20, tmp_path / "y.bin")
    st = os.stat(tmp_path / "y.bin")
    assert st.st_size == 1 << 20
    assert st.st_blocks * 512 >= 1 << 20 or not hasattr(os, "posix_fallocate")  # blocks really allocated
