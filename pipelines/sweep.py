"""Stage: a grid of training runs under one MLflow parent run."""

from __future__ import annotations

import itertools

from pipelines.train import train
from seizure.config import Config, ConfigError, load_config
from seizure.tracking import Tracker

__all__ = ["parse_grid", "sweep"]


def parse_grid(items: list[str]) -> list[list[str]]:
    """``["model.rnn=lstm,gru", "train.lr=0.001,0.002"]`` -> the list of override combinations."""
    axes = []
    for item in items:
        if "=" not in item:
            raise ConfigError(f"sweep grid item {item!r}: expected key=value1,value2,...")
        key, values = item.split("=", 1)
        choices = [v for v in values.split(",") if v != ""]
        if not choices:
            raise ConfigError(f"sweep grid item {item!r}: no values")
        axes.append([f"{key}={v}" for v in choices])
    return [list(combo) for combo in itertools.product(*axes)]


def sweep(paths: list, overrides: list[str], grid: list[str], say=print, progress_bar: bool = False) -> dict:
    """Train every grid combination as a child run of one parent run.

    Every combination is validated before anything trains, so a typo fails fast.

    Returns
    -------
    dict
        ``{"parent_run_id", "children": [{"overrides", "run_id", "metrics"...}]}``
    """
    combos = parse_grid(grid)
    configs: list[tuple[list[str], Config]] = [(c, load_config(paths, overrides + c)) for c in combos]
    base = configs[0][1]
    out = {"children": []}
    with Tracker(base.tracking.uri, base.tracking.experiment, run_name="sweep") as parent:
        parent.set_tags({"sweep.grid": " ".join(grid), "sweep.size": len(configs)})
        out["parent_run_id"] = parent.run_id
        for i, (combo, cfg) in enumerate(configs, 1):
            say(f"[{i}/{len(configs)}] {' '.join(combo)}")
            doc = train(cfg, parent_run_id=parent.run_id, progress_bar=progress_bar, say=say)
            seiz = doc["results"]["model"]["eval"]["metrics"]["ovlp"]["seiz"]
            out["children"].append(
                {
                    "overrides": combo,
                    "run_id": doc["run_id"],
                    "eval_ovlp_sensitivity": seiz["sensitivity"],
                    "eval_ovlp_fa_per_24h": seiz["fa_per_24h"],
                }
            )
    return out
