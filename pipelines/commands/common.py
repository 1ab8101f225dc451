"""Helpers shared by the subcommands: config loading, progress bars, result printing."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from seizure.config import ConfigError, load_config

#: The shipped configuration files (the repository's ``configs/``, installed as ``seizure_app.configs``).
CONFIG_DIR = Path(str(resources.files("seizure_app.configs")))


def config_path(name: str | Path) -> Path:
    """A configuration file: ``name`` as a path if it exists, else the shipped file of that name.

    Parameters
    ----------
    name : str or Path
        A path (``my.yaml``), or a name inside the shipped configurations (``demo.yaml``,
        ``model/golmohammadi2017.yaml``, ``configs/experiments/paper_initializers.yaml``).

    Returns
    -------
    Path

    Raises
    ------
    ConfigError
        Neither exists; the message lists the shipped files.
    """
    path = Path(name)
    if path.is_file():
        return path
    rel = Path(*path.parts[1:]) if path.parts[:1] == ("configs",) else path
    shipped = CONFIG_DIR / rel
    if not path.is_absolute() and shipped.is_file():
        return shipped
    known = sorted(str(p.relative_to(CONFIG_DIR)) for p in CONFIG_DIR.rglob("*.yaml"))
    raise ConfigError(f"{name}: no such configuration file here or among the shipped ones ({', '.join(known)})")


def progress_bar(desc: str, unit: str = "rec"):
    """A ``callable(done, total)`` drawing a tqdm bar."""
    from tqdm import tqdm

    state = {"bar": None}

    def update(done: int, total: int) -> None:
        if state["bar"] is None:
            state["bar"] = tqdm(total=total, desc=desc, unit=unit)
        state["bar"].n = done
        state["bar"].refresh()
        if done >= total:
            state["bar"].close()

    return update


def add_config_args(parser) -> None:
    parser.add_argument("overrides", nargs="*", help="dotted overrides, e.g. model.rnn=gru train.epochs=5")
    parser.add_argument("--config", action="append", help="YAML config file (repeatable; later files win)")


def config_from_args(args, default_name: str | None):
    """The configuration of a command: the shipped ``default_name`` (or the ``--config`` files), then
    the dotted overrides. Says on stderr which files it read."""
    paths = [config_path(p) for p in (args.config or [])]
    if not paths and default_name:
        paths = [config_path(default_name)]
    cfg = load_config(paths, args.overrides)
    print(
        f"config: {', '.join(str(p) for p in paths) or 'built-in defaults'}"
        + (f" + {len(args.overrides)} override(s)" if args.overrides else ""),
        file=sys.stderr,
    )
    return cfg


def pct(x) -> str:
    return "   n/a" if x is None else f"{100 * x:5.1f}%"


def print_run_summary(doc: dict) -> None:
    """The eval figures of model and baseline, the matched comparison, where everything went."""
    res = doc["results"]
    print(
        "\nEval split, SEIZ row (thresholds fitted on dev to <= "
        f"{res['model']['dev_fit']['target_fa_per_24h']} FA/24h OVLP):"
    )
    print(f"  {'detector':<14} {'scoring':<6} {'sensitivity':>11} {'FA/24h':>8}")
    labels = (("model", doc["model"]["kwargs"]["rnn"].upper()), ("baseline", "BP"))
    for name, label in labels:
        for metric in ("ovlp", "taes"):
            s = res[name]["eval"]["metrics"][metric]["seiz"]
            fa = "n/a" if s["fa_per_24h"] is None else f"{s['fa_per_24h']:.2f}"
            print(f"  {name + ' ' + label:<14} {metric.upper():<6} {pct(s['sensitivity']):>11} {fa:>8}")
    print("At matched FA/24h on eval (best sensitivity over thresholds at FA/24h <= the model's):")
    for metric, m in doc["matched"].items():
        ms = pct(m["model"]["sensitivity"]) if m["model"] else "n/a"
        bs = pct(m["baseline"]["sensitivity"]) if m["baseline"] else "n/a (no point that low)"
        print(f"  {metric.upper():<5} FA/24h <= {m['max_fa_per_24h']:.2f}: model {ms}, baseline {bs}")
    print(f"\nReport:      {doc['report']}")
    print(f"Metrics:     {Path(doc['run_dir']) / 'metrics.json'}")
    print(f"MLflow run:  {doc['run_id']}  ({doc['tracking_uri']})")
    print(f"MLflow UI:   .venv/bin/mlflow ui --backend-store-uri {doc['tracking_uri']}")
    t = doc["timing_s"]
    print("Time:        " + ", ".join(f"{k} {v:.0f} s" for k, v in t.items()))
