"""Helpers shared by the subcommands: config loading, progress bars, result printing."""

from __future__ import annotations

from pathlib import Path

from seizure.config import load_config

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


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
    paths = list(args.config or [])
    if not paths and default_name and (CONFIG_DIR / default_name).is_file():
        paths = [CONFIG_DIR / default_name]
    return load_config(paths, args.overrides)


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
