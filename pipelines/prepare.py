"""Stage: index the corpus (any layout) and prepare (montage, preprocess, cache) every recording."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

from seizure.cache import CachedRecording, prepare_corpus, steps_dir
from seizure.config import Config
from seizure.io.corpus import scan_corpus

__all__ = ["prepare", "write_exclusions", "EXCLUSIONS_NAME"]

EXCLUSIONS_NAME = "exclusions.tsv"


def write_exclusions(path: str | Path, exclusions: list[dict]) -> Path:
    """Write the exclusion report: JSON when ``path`` ends in ``.json``, else TSV (file, split, reason).

    Written atomically; returns the path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        text = json.dumps(exclusions, indent=1)
    else:
        buf = io.StringIO()
        out = csv.writer(buf, delimiter="\t", lineterminator="\n")
        out.writerow(["file", "split", "reason"])
        for e in exclusions:
            out.writerow([e["recording"], e.get("split", ""), " ".join(str(e["reason"]).split())])
        text = buf.getvalue()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def prepare(
    cfg: Config,
    progress: Callable[[int, int], None] | None = None,
    exclusions_path: str | Path | None = None,
    layout: str = "auto",
) -> tuple[dict[str, list[CachedRecording]], list[dict]]:
    """Prepare the corpus at ``cfg.data.root``.

    Parameters
    ----------
    cfg : Config
        ``cfg.data.root`` (corpus folder), ``cfg.data.cache_dir``, ``cfg.data.preprocessing``,
        ``cfg.data.jobs``, ``cfg.data.step_s`` (step of the cached per-step labels).
    progress : callable, optional
        ``progress(done, total)``.
    exclusions_path : path-like, optional
        Where to write the exclusion report (``.json`` or ``.tsv``). The TSV report is always
        also written beside the cache manifest (``<cache_dir>/<steps hash>/exclusions.tsv``).
    layout : str
        Corpus layout or ``auto`` (see :func:`seizure.io.corpus.scan_corpus`).

    Returns
    -------
    by_split : dict
        ``{"train": [...], "dev": [...], "eval": [...]}`` cached recordings.
    exclusions : list of dict
        ``{"recording", "split", "reason"}`` for EDF files that are not recordings of the layout
        and for recordings that could not be prepared.
    """
    recordings, skipped = scan_corpus(cfg.data.root, layout=layout, headers=True)
    entries, failed = prepare_corpus(
        recordings,
        cfg.data.preprocessing,
        cfg.data.cache_dir,
        jobs=cfg.data.jobs,
        progress=progress,
        label_step_s=cfg.data.step_s,
    )
    exclusions = skipped + failed
    by_split: dict[str, list[CachedRecording]] = {"train": [], "dev": [], "eval": []}
    for entry in entries:
        by_split.setdefault(entry.meta["split"], []).append(entry)
    write_exclusions(steps_dir(cfg.data.cache_dir, cfg.data.preprocessing) / EXCLUSIONS_NAME, exclusions)
    if exclusions_path is not None:
        write_exclusions(exclusions_path, exclusions)
    return by_split, exclusions
