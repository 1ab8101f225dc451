"""Stage: the whole mission on a synthetic corpus generated once and reused."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from seizure.config import Config
from seizure.synth import generate_corpus
from seizure.synth.corpus import GENERATOR_VERSION
from seizure_app.train import train

__all__ = ["ensure_corpus", "demo"]


def ensure_corpus(cfg: Config, progress: Callable[[int, int], None] | None = None, say=print) -> dict:
    """Generate the synthetic corpus at ``cfg.data.root`` unless one with the same parameters exists."""
    root = Path(cfg.data.root)
    manifest = root / "synth_manifest.json"
    wanted = {"n_patients": cfg.synth.n_patients, "hours": cfg.synth.hours, "seed": cfg.synth.seed}
    if manifest.is_file():
        existing = json.loads(manifest.read_text())
        params = existing.get("params", {})
        same = all(params.get(k) == v for k, v in wanted.items())
        if same and params.get("generator") == f"seizure.synth v{GENERATOR_VERSION}":
            say(f"reusing synthetic corpus at {root}")
            return existing
        # our own generated corpus, made with other settings: replace it
        say(f"{root}: synthetic corpus made with {params} is out of date; regenerating")
        shutil.rmtree(root / "edf", ignore_errors=True)
        manifest.unlink()
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(
            f"{root}: exists and is not a synthetic corpus made by `seizure synth`; not overwriting it"
        )
    say(f"generating synthetic TUSZ corpus at {root} ({cfg.synth.n_patients} patients, {cfg.synth.hours} h)...")
    return generate_corpus(root, **wanted, jobs=max(1, cfg.data.jobs), progress=progress)


def demo(cfg: Config, progress: Callable[[int, int], None] | None = None, say=print) -> dict:
    """Corpus (generated or reused) -> train -> evaluate -> report -> MLflow. Returns the metrics document."""
    t0 = time.perf_counter()
    corpus = ensure_corpus(cfg, progress, say)
    t_synth = time.perf_counter() - t0
    doc = train(cfg, say=say)
    doc["timing_s"]["synth"] = t_synth
    doc["timing_s"]["demo_total"] = time.perf_counter() - t0
    doc["corpus_totals"] = corpus.get("totals", {})
    return doc
