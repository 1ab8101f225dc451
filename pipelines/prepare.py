"""Stage: index the corpus and prepare (montage, preprocess, cache) every recording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from seizure.cache import CachedRecording, prepare_corpus
from seizure.config import Config
from seizure.io.corpus import index_tusz

__all__ = ["prepare"]


def prepare(
    cfg: Config, progress: Callable[[int, int], None] | None = None, exclusions_path: str | Path | None = None
) -> tuple[dict[str, list[CachedRecording]], list[dict]]:
    """Prepare the corpus at ``cfg.data.root``.

    Returns
    -------
    by_split : dict
        ``{"train": [...], "dev": [...], "eval": [...]}`` cached recordings.
    exclusions : list of dict
        Recordings that could not be prepared, with the reason (also written to
        ``exclusions_path`` as JSON when given).
    """
    recordings = index_tusz(cfg.data.root)
    entries, exclusions = prepare_corpus(
        recordings, cfg.data.preprocessing, cfg.data.cache_dir, jobs=cfg.data.jobs, progress=progress
    )
    by_split: dict[str, list[CachedRecording]] = {"train": [], "dev": [], "eval": []}
    for entry in entries:
        by_split.setdefault(entry.meta["split"], []).append(entry)
    if exclusions_path is not None:
        Path(exclusions_path).write_text(json.dumps(exclusions, indent=1))
    return by_split, exclusions
