"""Per-recording cache of preprocessed, montaged signals as memory-mapped arrays.

Each recording is stored in its own folder ``<cache_dir>/<steps hash>/<montage>/<bname>-<source hash>/``
holding ``signals.npy`` (float32, shape (22, n_times), TCP channel order) and ``meta.json``.
The source hash covers the EDF and its ``.csv_bi`` bytes, the steps hash the preprocessing
configuration, so a change of either makes a new entry. A folder is written under a temporary
name and renamed into place when complete: an interrupted run never leaves an entry a later run
trusts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from seizure.config import config_hash
from seizure.io.annotations import read_csv_bi
from seizure.io.corpus import Recording
from seizure.io.edf import read_channels, read_header
from seizure.montage import TCP_NAMES, TCP_PAIRS, apply_bipolar, electrode_map, tcp_pairs_for
from seizure.preprocessing import apply_steps

__all__ = ["CachedRecording", "prepare_recording", "prepare_corpus", "load_entry"]

logger = logging.getLogger("seizure")
_FORMAT = 1


@dataclass
class CachedRecording:
    """A preprocessed recording: memory-mapped signals plus what the labels need."""

    path: Path
    meta: dict
    signals: np.ndarray  # (22, n_times) float32, memory-mapped

    @property
    def sfreq(self) -> float:
        return float(self.meta["sfreq"])

    @property
    def duration(self) -> float:
        return float(self.meta["duration_s"])

    @property
    def seizures(self) -> list[tuple[float, float]]:
        return [tuple(s) for s in self.meta["seizures"]]

    @property
    def key(self) -> str:
        return self.meta["key"]


def _file_hash(paths: list[str | None]) -> str:
    h = hashlib.sha1()
    for p in paths:
        if p is None:
            h.update(b"<none>")
            continue
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:16]


def load_entry(path: str | os.PathLike) -> CachedRecording:
    path = Path(path)
    meta = json.loads((path / "meta.json").read_text())
    signals = np.load(path / "signals.npy", mmap_mode="r")
    return CachedRecording(path, meta, signals)


def prepare_recording(rec: Recording, steps: list[dict], cache_dir: str | os.PathLike) -> CachedRecording:
    """Montage, preprocess and cache one recording (or reuse its valid cache entry).

    The TCP montage of the recording's montage directory is applied; ``_a`` montages lack
    ``A1-T3`` and ``T4-A2``, which are stored as zero rows so every entry has the 22 TCP channels
    (``meta["present"]`` says which rows are real).

    Raises
    ------
    seizure.io.edf.EdfError, seizure.montage.MontageError, seizure.io.annotations.AnnotationError
        For an unreadable EDF, a missing electrode or a bad annotation file, naming the file.
    """
    if rec.csv_bi is None:
        raise FileNotFoundError(f"{rec.edf}: no .csv_bi annotation file beside the EDF")
    source_hash = _file_hash([rec.edf, rec.csv_bi])
    steps_hash = config_hash({"steps": steps, "format": _FORMAT})
    final = Path(cache_dir) / steps_hash / rec.montage / f"{rec.bname}-{source_hash}"
    if (final / "meta.json").is_file():
        return load_entry(final)

    header = read_header(rec.edf)
    ann = read_csv_bi(rec.csv_bi)
    if abs(ann.duration - header.duration) > 1.0:
        raise ValueError(
            f"{rec.csv_bi}: header field 'duration' is {ann.duration} s but the EDF lasts {header.duration:.2f} s"
        )
    pairs = tcp_pairs_for(rec.montage)
    idx = electrode_map(list(header.ch_names))
    needed = list(dict.fromkeys(e for pair in pairs for e in pair))
    names = [header.ch_names[idx[e]] for e in needed if e in idx]
    data, sfreq = read_channels(rec.edf, names) if len(names) == len(needed) else (None, header.sfreq)
    if data is None:
        # let apply_bipolar produce the error that names the missing electrodes
        apply_bipolar(np.zeros((len(header.ch_names), 1)), list(header.ch_names), pairs, source=rec.edf)
    bipolar = apply_bipolar(data, names, pairs, source=rec.edf)
    flat = np.flatnonzero(np.ptp(bipolar, axis=1) == 0)
    if flat.size:
        raise ValueError(f"{rec.edf}: flat (constant) montage channel(s) {[f'{pairs[i][0]}-{pairs[i][1]}' for i in flat]}")
    processed, sfreq_out = apply_steps(bipolar, sfreq, steps)
    full = np.zeros((len(TCP_PAIRS), processed.shape[1]), dtype=np.float32)
    present = [p in pairs for p in TCP_PAIRS]
    full[np.flatnonzero(present)] = processed

    meta = {
        "format": _FORMAT,
        "key": rec.key,
        "bname": rec.bname,
        "split": rec.split,
        "subject": rec.subject,
        "montage": rec.montage,
        "edf": rec.edf,
        "csv_bi": rec.csv_bi,
        "source_hash": source_hash,
        "steps": steps,
        "sfreq": sfreq_out,
        "source_sfreq": sfreq,
        "n_times": int(full.shape[1]),
        "duration_s": float(ann.duration),
        "channels": list(TCP_NAMES),
        "present": present,
        "seizures": [[e.start, e.stop] for e in ann.seizures()],
    }
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        np.save(tmp / "signals.npy", full)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
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
    rec, steps, cache_dir = args
    try:
        entry = prepare_recording(rec, steps, cache_dir)
        return str(entry.path), None
    except Exception as exc:  # reported, never dropped: becomes an exclusion row
        return None, {"recording": rec.edf, "split": rec.split, "reason": f"{type(exc).__name__}: {exc}"}


def prepare_corpus(
    recordings: list[Recording],
    steps: list[dict],
    cache_dir: str | os.PathLike,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[CachedRecording], list[dict]]:
    """Prepare every recording; failures become exclusion rows while the batch goes on.

    Returns
    -------
    entries : list of CachedRecording
        In the order of ``recordings`` (excluded ones left out).
    exclusions : list of dict
        ``{"recording", "split", "reason"}`` per recording that could not be prepared.
    """
    tasks = [(rec, steps, str(cache_dir)) for rec in recordings]
    results: list[tuple[str | None, dict | None]] = [(None, None)] * len(tasks)
    done = 0
    if jobs <= 1:
        for i, task in enumerate(tasks):
            results[i] = _prepare_path(task)
            done += 1
            if progress:
                progress(done, len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_prepare_path, t): i for i, t in enumerate(tasks)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, len(tasks))
    entries = [load_entry(p) for p, _ in results if p is not None]
    exclusions = [e for _, e in results if e is not None]
    for e in exclusions:
        logger.warning("excluded %s: %s", e["recording"], e["reason"])
    return entries, exclusions
