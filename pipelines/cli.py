"""The ``seizure`` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from seizure.config import ConfigError, load_config

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def _bar(desc: str):
    from tqdm import tqdm

    state = {"bar": None}

    def update(done: int, total: int) -> None:
        if state["bar"] is None:
            state["bar"] = tqdm(total=total, desc=desc, unit="rec")
        state["bar"].n = done
        state["bar"].refresh()
        if done >= total:
            state["bar"].close()

    return update


def _config(args, default_name: str | None):
    paths = list(args.config or [])
    if not paths and default_name and (CONFIG_DIR / default_name).is_file():
        paths = [CONFIG_DIR / default_name]
    return load_config(paths, args.overrides)


def _pct(x) -> str:
    return "   n/a" if x is None else f"{100 * x:5.1f}%"


def _print_summary(doc: dict) -> None:
    res = doc["results"]
    print("\nEval split, SEIZ row (thresholds fitted on dev to <= "
          f"{res['model']['dev_fit']['target_fa_per_24h']} FA/24h OVLP):")
    print(f"  {'detector':<10} {'scoring':<6} {'sensitivity':>11} {'FA/24h':>8}")
    for name, label in (("model", f"{doc['model']['kwargs']['rnn'].upper()}"), ("baseline", "LL/BP")):
        for metric in ("ovlp", "taes"):
            s = res[name]["eval"]["metrics"][metric]["seiz"]
            fa = "n/a" if s["fa_per_24h"] is None else f"{s['fa_per_24h']:.2f}"
            print(f"  {name + ' ' + label:<14} {metric.upper():<6} {_pct(s['sensitivity']):>7} {fa:>8}")
    print("At matched FA/24h on eval (best sensitivity at FA/24h <= the model's):")
    for metric, m in doc["matched"].items():
        ms = _pct(m["model"]["sensitivity"]) if m["model"] else "n/a"
        bs = _pct(m["baseline"]["sensitivity"]) if m["baseline"] else "n/a (no point that low)"
        print(f"  {metric.upper():<5} FA/24h <= {m['max_fa_per_24h']:.2f}: model {ms}, baseline {bs}")
    print(f"\nReport:      {doc['report']}")
    print(f"Metrics:     {Path(doc['run_dir']) / 'metrics.json'}")
    print(f"MLflow run:  {doc['run_id']}  ({doc['tracking_uri']})")
    print(f"MLflow UI:   mlflow ui --backend-store-uri {doc['tracking_uri']}")
    t = doc["timing_s"]
    print("Time:        " + ", ".join(f"{k} {v:.0f} s" for k, v in t.items()))


def cmd_synth(args) -> int:
    from seizure.synth import generate_corpus

    out = generate_corpus(args.out_dir, n_patients=args.patients, hours=args.hours, seed=args.seed,
                          jobs=args.jobs, progress=_bar("synth"))
    t = out["totals"]
    print(f"wrote {t['n_recordings']} recordings, {t['n_patients']} patients, {t['duration_s'] / 3600:.2f} h, "
          f"{t['n_seizures']} seizures ({100 * t['seizure_fraction']:.1f}% seizure time) to {args.out_dir}")
    return 0


def cmd_prepare(args) -> int:
    from pipelines.prepare import prepare

    cfg = _config(args, "train.yaml")
    if args.data:
        cfg.data.root = args.data
    if args.jobs:
        cfg.data.jobs = args.jobs
    by_split, excl = prepare(cfg, progress=_bar("prepare"))
    for split, entries in by_split.items():
        print(f"{split:<6} {len(entries)} recordings, {sum(e.duration for e in entries) / 3600:.2f} h")
    print(f"excluded: {len(excl)}")
    for e in excl:
        print(f"  {e['recording']}: {e['reason']}")
    return 0


def cmd_train(args) -> int:
    from pipelines.train import train

    cfg = _config(args, "train.yaml")
    if args.data:
        cfg.data.root = args.data
    doc = train(cfg)
    _print_summary(doc)
    return 0


def cmd_demo(args) -> int:
    from pipelines.demo import demo

    cfg = _config(args, "demo.yaml")
    doc = demo(cfg, progress=_bar("synth"))
    _print_summary(doc)
    return 0


def cmd_score(args) -> int:
    from pipelines.score import score_dirs

    doc = score_dirs(args.ref, args.hyp, missing_hyp_as_empty=args.missing_hyp_as_empty)
    for metric, rows in doc["metrics"].items():
        s = rows["seiz"]
        fa = "n/a" if s["fa_per_24h"] is None else f"{s['fa_per_24h']:.2f}"
        print(f"{metric.upper():<6} SEIZ: targets {s['targets']:.0f}  hits {s['hits']:.2f}  misses {s['misses']:.2f}  "
              f"false alarms {s['false_alarms']:.2f}  sensitivity {_pct(s['sensitivity'])}  FA/24h {fa}")
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="seizure", description="Seizure detection in scalp EEG (TUSZ format).")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="write a synthetic corpus in the TUSZ v2.0 layout")
    s.add_argument("out_dir")
    s.add_argument("--patients", type=int, default=12)
    s.add_argument("--hours", type=float, default=3.0)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--jobs", type=int, default=1)
    s.set_defaults(func=cmd_synth)

    for name, func, helptext in (
        ("prepare", cmd_prepare, "montage, filter and cache every recording of a corpus"),
        ("train", cmd_train, "train, evaluate against the baseline, report, track in MLflow"),
        ("demo", cmd_demo, "the whole pipeline on a synthetic corpus (generated once into data/demo)"),
    ):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("overrides", nargs="*", help="dotted overrides, e.g. model.rnn=gru train.epochs=5")
        c.add_argument("--config", action="append", help="YAML config file (repeatable; later files win)")
        if name in ("prepare", "train"):
            c.add_argument("--data", help="corpus root (the folder holding edf/)")
        if name == "prepare":
            c.add_argument("--jobs", type=int, default=0, help="worker processes")
        c.set_defaults(func=func)

    sc = sub.add_parser("score", help="score hypothesis csv_bi files against references (NEDC OVLP/TAES/EPOCH)")
    sc.add_argument("ref", help="reference directory (searched recursively for *.csv_bi)")
    sc.add_argument("hyp", help="hypothesis directory (paired with the references by file name)")
    sc.add_argument("--json", help="write the scores as JSON here")
    sc.add_argument("--missing-hyp-as-empty", action="store_true",
                    help="score a reference without hypothesis file as 'no detections' instead of failing")
    sc.set_defaults(func=cmd_score)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
