"""Stage: a set of training runs (a grid or an experiment file) under one MLflow parent run.

Experiment files (``configs/experiments/*.yaml``)::

    description: what the experiment compares
    base:                    # dotted overrides applied to every variant
      train.epochs: 10
    grid:                    # cartesian product; a key may list several keys joined by commas,
      model.rnn: [lstm, gru] # which all take the same value
      "model.init.conv,model.init.rnn_input": [orthogonal, he_normal]
    variants:                # and/or named variants, each a mapping of dotted overrides
      - {name: l1, overrides: {train.regularization.l1: 0.00001}}

The sweep ends with a table of eval-split OVLP/TAES sensitivity, specificity and FA/24h per
variant, written as Markdown and CSV in ``<output_dir>/sweep-<time>/`` and logged to the parent run.
"""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import yaml

from seizure.config import Config, ConfigError, load_config
from seizure.storage import new_run_folder
from seizure.tracking import Tracker
from seizure_app.train import train

__all__ = ["parse_grid", "load_experiment", "sweep", "results_table"]


def _override(key: str, value) -> str:
    return f"{key}={json.dumps(value) if not isinstance(value, str) else value}"


def _expand(key: str, value) -> list[str]:
    return [_override(k.strip(), value) for k in key.split(",")]


def _axis_label(key: str) -> str:
    """Short name of a grid axis: its last key part, or the shared parent of linked keys."""
    keys = [k.strip().split(".") for k in key.split(",")]
    if len(keys) == 1:
        return keys[0][-1]
    common = []
    for parts in zip(*keys):
        if len(set(parts)) > 1:
            break
        common.append(parts[0])
    return common[-1] if common else "+".join(k[-1] for k in keys)


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
        axes.append([[f"{key}={v}"] for v in choices])
    return [sum(combo, []) for combo in itertools.product(*axes)]


def load_experiment(path: str | Path) -> tuple[str, list[str], list[tuple[str, list[str]]]]:
    """Read an experiment file.

    Returns
    -------
    description : str
    base : list of str
        Overrides for every variant.
    variants : list of (name, overrides)
    """
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read experiment file ({exc.strerror})") from exc
    unknown = set(doc) - {"description", "base", "grid", "variants"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown experiment field(s) {sorted(unknown)}; expected description, base, grid, variants"
        )
    base = [o for k, v in (doc.get("base") or {}).items() for o in _expand(k, v)]
    variants: list[tuple[str, list[str]]] = []
    grid = doc.get("grid") or {}
    if grid:
        axes = []
        for key, values in grid.items():
            if not isinstance(values, list) or not values:
                raise ConfigError(f"{path}: grid '{key}' must be a non-empty list")
            axes.append([(f"{_axis_label(key)}={v}", _expand(key, v)) for v in values])
        for combo in itertools.product(*axes):
            variants.append((" ".join(n for n, _ in combo), sum((o for _, o in combo), [])))
    for i, item in enumerate(doc.get("variants") or []):
        if not isinstance(item, dict) or "name" not in item:
            raise ConfigError(f"{path}: variants[{i}] needs a 'name' and 'overrides'")
        variants.append(
            (str(item["name"]), [o for k, v in (item.get("overrides") or {}).items() for o in _expand(k, v)])
        )
    if not variants:
        raise ConfigError(f"{path}: an experiment needs a 'grid' or 'variants'")
    return str(doc.get("description", "")), base, variants


def results_table(rows: list[dict]) -> str:
    """Markdown table of the per-variant eval results."""
    head = ["variant", "run", "OVLP sens", "OVLP spec", "OVLP FA/24h", "TAES sens", "TAES spec", "TAES FA/24h"]

    def f(v, pct=True):
        return "n/a" if v is None else (f"{100 * v:.1f}%" if pct else f"{v:.2f}")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['run_id'][:8]} | {f(r['ovlp_sensitivity'])} | {f(r['ovlp_specificity'])} | "
            f"{f(r['ovlp_fa_per_24h'], False)} | {f(r['taes_sensitivity'])} | {f(r['taes_specificity'])} | "
            f"{f(r['taes_fa_per_24h'], False)} |"
        )
    return "\n".join(lines) + "\n"


def sweep(
    paths: list,
    overrides: list[str],
    grid: list[str] | None = None,
    experiment: str | Path | None = None,
    say=print,
    progress_bar: bool = False,
) -> dict:
    """Train every variant as a child run of one parent run; write and log the results table.

    Every variant's configuration is validated before anything trains, so a typo fails fast.

    Returns
    -------
    dict
        ``{"parent_run_id", "table_md", "table_csv", "children": [row per variant]}``
    """
    description, base, variants = ("", [], [])
    if experiment:
        description, base, variants = load_experiment(experiment)
    if grid:
        combos = parse_grid(grid)
        variants = [(f"{n} {' '.join(c)}".strip(), o + c) for n, o in (variants or [("", [])]) for c in combos]
    if not variants:
        raise ConfigError("sweep needs an experiment file or at least one --grid axis")
    configs: list[tuple[str, Config]] = [(name, load_config(paths, base + ovr + overrides)) for name, ovr in variants]
    first = configs[0][1]
    out_dir = new_run_folder(first.output_dir, prefix="sweep-")
    result: dict = {"children": []}
    with Tracker(
        first.tracking.uri,
        first.tracking.experiment,
        run_name=f"sweep-{Path(experiment).stem if experiment else 'grid'}",
    ) as parent:
        parent.set_tags(
            {
                "sweep.size": len(configs),
                "sweep.description": description[:500],
                "sweep.experiment": str(experiment or ""),
                "sweep.grid": " ".join(grid or []),
            }
        )
        result["parent_run_id"] = parent.run_id
        for i, (name, cfg) in enumerate(configs, 1):
            say(f"[{i}/{len(configs)}] {name}")
            doc = train(cfg, parent_run_id=parent.run_id, progress_bar=progress_bar, say=say)
            metrics = doc["results"]["model"]["eval"]["metrics"]
            row = {"variant": name, "run_id": doc["run_id"]}
            for m in ("ovlp", "taes"):
                seiz = metrics[m]["seiz"]
                row.update(
                    {
                        f"{m}_sensitivity": seiz["sensitivity"],
                        f"{m}_specificity": seiz.get("specificity"),
                        f"{m}_fa_per_24h": seiz["fa_per_24h"],
                    }
                )
            result["children"].append(row)
        md = (f"{description}\n\n" if description else "") + results_table(result["children"])
        (out_dir / "results.md").write_text(md)
        with open(out_dir / "results.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(result["children"][0]))
            writer.writeheader()
            writer.writerows(result["children"])
        parent.log_artifact(out_dir / "results.md")
        parent.log_artifact(out_dir / "results.csv")
    result["table_md"] = str(out_dir / "results.md")
    result["table_csv"] = str(out_dir / "results.csv")
    result["table"] = md
    return result
