"""Per-recording cache of montaged, preprocessed signals as memory-mapped arrays plus a manifest.

Each recording is stored in ``<cache_dir>/<steps hash>/<montage>/<bname>-<source hash>/``:

- ``signals.npy``: float32, shape (22 * k, n_times), the TCP channels in order, ``k`` rows per
  channel (``k = 1`` for signals; a feature step may give more: ``meta["rows_per_channel"]``);
  channels the montage lacks are zero rows (``meta["present"]``).
- ``meta.json``: recording identity, rates, duration, seizure events and per-step labels
  (``meta["labels"]``: for each rule, the runs ``[first_step, stop_step)`` of seizure steps of
  ``meta["labels"]["step_s"]`` seconds).

The source hash covers the bytes of the EDF and of its annotation files, the steps hash the
preprocessing configuration, so a change of either makes a new entry. An entry is written in a
temporary folder and renamed into place when complete: an interrupted run never leaves an entry
that a later run trusts, and the next run resumes with the recordings not yet cached. The hash is
computed only when the file's size or modification time differ from the entry's record of them.

``prepare_corpus`` also writes ``<cache_dir>/<steps hash>/manifest.json`` (every entry and every
exclusion) atomically at the end of a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seizure._hashing import config_hash
from seizure._validation import SeizureError
from seizure.io.corpus import Recording, recording_annotations
from seizure.io.edf import EdfReader
from seizure.labels import RULES, label_runs, step_labels
from seizure.montage import TCP_NAMES, TCP_PAIRS, tcp_pairs_for
from seizure.preprocessing import SPECTRAL_STEPS, design, is_streamable, output_length
from seizure.source import RecordingSource
from seizure.storage import atomic_write_text, reserve_space

__all__ = ["CachedRecording", "prepare_recording", "prepare_corpus", "load_entry", "steps_dir", "FORMAT"]

logger = logging.getLogger("seizure")
FORMAT = 2
_PWRITE = hasattr(os, "pwrite")


@dataclass
class CachedRecording:
    """A preprocessed recording: memory-mapped signals plus what the labels need.

    Parameters
    ----------
    path : Path
        The entry folder (``signals.npy``, ``meta.json``).
    meta : dict
        The entry's ``meta.json``: identity, rates (Hz), duration (s), seizures and labels.
    signals : ndarray, shape (22 * k, n_times)
        The preprocessed TCP rows, float32 (microvolts unless a step rescales them; feature rows
        for a feature step), memory-mapped read-only.
    """

    path: Path
    meta: dict
    signals: np.ndarray  # (22 * k, n_times) float32, memory-mapped

    @property
    def sfreq(self) -> float:
        """Hz (frame rate for feature steps)."""
        return float(self.meta["sfreq"])

    @property
    def duration(self) -> float:
        """Seconds."""
        return float(self.meta["duration_s"])

    @property
    def seizures(self) -> list[tuple[float, float]]:
        """Recording-level seizure intervals (s), ``nesz`` excluded."""
        return [tuple(s) for s in self.meta["seizures"]]

    @property
    def key(self) -> str:
        """Corpus key of the recording."""
        return self.meta["key"]

    @property
    def rows_per_channel(self) -> int:
        """Rows per TCP channel (``k``; 1 for signals)."""
        return int(self.meta.get("rows_per_channel", 1))


def steps_dir(cache_dir: str | os.PathLike, steps: list[dict]) -> Path:
    """Folder of the entries made with ``steps``.

    Parameters
    ----------
    cache_dir : path-like
        The cache root.
    steps : list of dict
        Preprocessing steps (:mod:`seizure.preprocessing`).

    Returns
    -------
    Path
        ``cache_dir / <hash of steps and cache format>``.
    """
    return Path(cache_dir) / config_hash({"steps": steps, "format": FORMAT})


def _sources(rec: Recording) -> list[str]:
    return [rec.edf, *rec.annotation_files()]


_HASH_WINDOW = 1 << 24  # bytes mapped at a time (a multiple of mmap.ALLOCATIONGRANULARITY)


def _file_hash(paths: list[str]) -> str:
    h = hashlib.sha1()
    for p in paths:
        h.update(Path(p).name.encode())
        with open(p, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            for off in range(0, size, _HASH_WINDOW):  # the page cache in place, a window at a time
                try:
                    mm = mmap.mmap(fh.fileno(), min(_HASH_WINDOW, size - off), offset=off, access=mmap.ACCESS_READ)
                except (ValueError, OSError):  # no memory map here: plain reads from this offset on
                    fh.seek(off)
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                    break
                with mm:
                    h.update(mm)
    return h.hexdigest()[:16]


def _stats(paths: list[str]) -> list[list]:
    return [[Path(p).name, os.stat(p).st_size, os.stat(p).st_mtime_ns] for p in paths]


def load_entry(path: str | os.PathLike) -> CachedRecording:
    """Open a cache entry (signals memory-mapped read-only).

    Parameters
    ----------
    path : path-like
        The entry folder, holding ``meta.json`` and ``signals.npy``.

    Returns
    -------
    CachedRecording
        The entry.
    """
    path = Path(path)
    meta = json.loads((path / "meta.json").read_text())
    signals = np.load(path / "signals.npy", mmap_mode="r")
    return CachedRecording(path, meta, signals)


def _find(parent: Path, rec: Recording) -> tuple[Path, str | None]:
    """Reusable entry folder (``source_hash`` None) or the folder to write and the hash."""
    sources = _sources(rec)
    stats = _stats(sources)
    if parent.is_dir():
        for cand in parent.glob(f"{rec.bname}-*"):
            meta_path = cand / "meta.json"
            if meta_path.is_file():
                try:
                    meta = json.loads(meta_path.read_text())
                except (OSError, ValueError):
                    continue
                if meta.get("source_stats") == stats and meta.get("edf") == rec.edf:
                    return cand, None
    source_hash = _file_hash(sources)
    return parent / f"{rec.bname}-{source_hash}", source_hash


def _write_rows(path: Path, n_rows: int, n_times: int):
    """An ``.npy`` file of zeros (float32, (n_rows, n_times)) and a writer of row blocks into it."""
    header = {"descr": "<f4", "fortran_order": False, "shape": (n_rows, n_times)}
    fh = open(path, "wb")
    np.lib.format.write_array_header_1_0(fh, header)
    start = fh.tell()
    fh.flush()
    fd = fh.fileno()
    try:
        reserve_space(fd, start + 4 * n_rows * n_times, path)
    except BaseException:
        fh.close()
        raise

    def write(rows: np.ndarray, offset: int, block: np.ndarray) -> None:
        for r, row in zip(rows, block):
            row = np.ascontiguousarray(row, dtype="<f4")  # no copy for a float32 row of a block
            pos = start + 4 * (int(r) * n_times + offset)
            if _PWRITE:  # positioned write from the array's memory: no seek, no bytes copy
                view = memoryview(row).cast("B")
                done = 0
                while done < len(view):
                    done += os.pwrite(fd, view[done:], pos + done)
            else:
                fh.seek(pos)
                fh.write(row)

    return fh, write


def _process(rec: Recording, steps: list[dict], tmp: Path, response_dir: Path) -> dict:
    """Read, montage and preprocess into ``tmp/signals.npy``; return the signal part of the meta."""
    with RecordingSource(rec.edf, montage=rec.montage) as src:
        present = list(src.plan.present)
        rows = np.flatnonzero(present)
        if is_streamable(steps):  # everything streams straight into the file
            n_out = output_length(src.n_times, src.sfreq, steps)
            fh, write = _write_rows(tmp / "signals.npy", len(TCP_PAIRS), n_out)
            with fh:
                sfreq, k = src.preprocess(steps, lambda o, b: write(rows, o, b), response_dir=response_dir)
        else:  # a feature step: the whole recording at once, then the rows into the file
            parts: list[np.ndarray] = []
            sfreq, k = src.preprocess(steps, lambda o, b: parts.append(b), response_dir=response_dir)
            out = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
            fh, write = _write_rows(tmp / "signals.npy", len(TCP_PAIRS) * k, out.shape[1])
            with fh:
                write((rows[:, None] * k + np.arange(k)).ravel(), 0, out)
        return {"sfreq": float(sfreq), "source_sfreq": src.sfreq, "rows_per_channel": k, "present": present}


def prepare_recording(
    rec: Recording, steps: list[dict], cache_dir: str | os.PathLike, label_step_s: float = 1.0
) -> CachedRecording:
    """Montage, preprocess and cache one recording (or reuse its valid cache entry).

    Parameters
    ----------
    rec : Recording
        The corpus recording (EDF, annotation files, montage, split, subject).
    steps : list of dict
        Preprocessing steps (:mod:`seizure.preprocessing`), applied after the TCP montage.
    cache_dir : path-like
        The cache root (entries go under :func:`steps_dir`).
    label_step_s : float
        Step (s) of the per-step labels stored in the meta.

    Returns
    -------
    CachedRecording
        The new or reused entry.

    Raises
    ------
    seizure.io.edf.EdfError
        Unreadable, truncated or inconsistent EDF; sampling rates differing between montage
        channels; degenerate calibration (NaN); flat channels.
    seizure.montage.MontageError
        A montage electrode is missing (named with the file).
    seizure.io.annotations.AnnotationError
        Missing, invalid or non-matching annotation file.
    seizure.preprocessing.StepError
        Bad steps or non-finite samples.
    """
    parent = steps_dir(cache_dir, steps) / (rec.montage or "unknown")
    final, source_hash = _find(parent, rec)
    if source_hash is None:
        return load_entry(final)
    if (final / "meta.json").is_file():  # same content, new stat: refresh the stat record only
        entry = load_entry(final)
        entry.meta["source_stats"] = _stats(_sources(rec))
        atomic_write_text(final / "meta.json", json.dumps(entry.meta, indent=1))
        return entry
    with EdfReader(rec.edf) as reader:
        header = reader.header()
    ann = recording_annotations(rec, header.duration)
    tcp_pairs_for(rec.montage)  # unknown montage name -> MontageError before any work
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}.", dir=parent))
    try:
        sig = _process(rec, steps, tmp, steps_dir(cache_dir, steps) / "responses")
        seizures = ann.recording_seizures()
        labels = {"step_s": label_step_s}
        for rule in RULES:
            labels[rule] = label_runs(
                step_labels([(e.start, e.stop) for e in seizures], header.duration, label_step_s, rule)
            )
        meta = {
            "format": FORMAT, "key": rec.key, "bname": rec.bname, "split": rec.split, "subject": rec.subject,
            "session": rec.session, "montage": rec.montage, "layout": rec.layout, "edf": rec.edf,
            "csv_bi": rec.csv_bi, "annotation": rec.annotation_files()[0], "source_hash": source_hash,
            "source_stats": _stats(_sources(rec)), "steps": steps, **sig,
            "n_times": int(np.load(tmp / "signals.npy", mmap_mode="r").shape[1]),
            "duration_s": float(header.duration), "channels": list(TCP_NAMES),
            "seizures": [[e.start, e.stop] for e in seizures],
            "seizure_labels": [e.label for e in seizures],
            "nesz": [[e.start, e.stop] for e in ann.events if e.label == "nesz"],
            "labels": labels,
        }  # fmt: skip
        atomic_write_text(tmp / "meta.json", json.dumps(meta, indent=1))
        try:
            os.replace(tmp, final)
        except OSError:
            if not (final / "meta.json").is_file():  # another process did not win the race
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_entry(final)


def _prepare_path(args) -> tuple[str | None, dict | None]:
    rec, steps, cache_dir, label_step_s = args
    try:
        entry = prepare_recording(rec, steps, cache_dir, label_step_s)
        return str(entry.path), None
    except SeizureError as exc:  # a bad recording: reported, never dropped (an exclusion row)
        return None, {"recording": rec.edf, "split": rec.split, "reason": f"{type(exc).__name__}: {exc}"}


def _clean_stale(root: Path) -> None:
    """Remove temporary folders left by processes that no longer run (interrupted runs)."""
    if not root.is_dir():
        return
    for tmp in root.glob("*/.*"):
        parts = tmp.name.split(".")
        pid = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None
        if pid is None or not tmp.is_dir():
            continue
        try:
            os.kill(pid, 0)
            alive = pid != os.getpid()
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            shutil.rmtree(tmp, ignore_errors=True)


def prepare_corpus(
    recordings: list[Recording],
    steps: list[dict],
    cache_dir: str | os.PathLike,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    label_step_s: float = 1.0,
) -> tuple[list[CachedRecording], list[dict]]:
    """Prepare every recording; failures become exclusion rows while the batch goes on.

    Parameters
    ----------
    recordings : list of Recording
        The corpus recordings to cache.
    steps : list of dict
        Preprocessing steps (:mod:`seizure.preprocessing`), applied after the TCP montage.
    cache_dir : path-like
        The cache root (entries and ``manifest.json`` go under :func:`steps_dir`).
    jobs : int
        Worker processes (``<= 1``: in this process). Long recordings are started first.
    progress : callable, optional
        ``progress(done, total)`` after each recording.
    label_step_s : float
        Step (s) of the per-step labels stored with each entry.

    Returns
    -------
    entries : list of CachedRecording
        In the order of ``recordings`` (excluded ones left out).
    exclusions : list of dict
        ``{"recording", "split", "reason"}`` per recording that could not be prepared.
    """
    root = steps_dir(cache_dir, steps)
    _clean_stale(root)
    tasks = [(rec, steps, str(cache_dir), label_step_s) for rec in recordings]
    results: list[tuple[str | None, dict | None]] = [(None, None)] * len(tasks)
    if progress:
        progress(0, len(tasks))
    if jobs <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = _prepare_path(task)
            if progress:
                progress(i + 1, len(tasks))
    else:
        for rate in sorted({r.sfreq for r in recordings if r.sfreq}):  # design once, workers inherit
            try:
                design(steps, rate, root / "responses")
            except SeizureError:  # a bad step is reported per recording below
                break
        if any(s.get("name") in SPECTRAL_STEPS for s in steps):
            import scipy.fft  # noqa: F401  (imported once here; forked workers inherit it)
        sizes = [os.stat(r.edf).st_size if os.path.isfile(r.edf) else 0 for r in recordings]
        order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
        pool = ProcessPoolExecutor(max_workers=jobs)
        try:
            futures = {pool.submit(_prepare_path, tasks[i]): i for i in order}
            for done, fut in enumerate(as_completed(futures), start=1):
                results[futures[fut]] = fut.result()
                if progress:
                    progress(done, len(tasks))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    entries = [load_entry(p) for p, _ in results if p is not None]
    exclusions = [e for _, e in results if e is not None]
    for e in exclusions:
        logger.info("excluded %s: %s", e["recording"], e["reason"])
    root.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT, "steps": steps, "label_step_s": label_step_s,
        "entries": [{"key": e.key, "path": str(e.path), "split": e.meta["split"], "subject": e.meta["subject"],
                     "edf": e.meta["edf"], "duration_s": e.duration, "sfreq": e.sfreq,
                     "n_seizures": len(e.seizures)} for e in entries],
        "exclusions": exclusions,
    }  # fmt: skip
    atomic_write_text(root / "manifest.json", json.dumps(manifest, indent=1))
    return entries, exclusions
