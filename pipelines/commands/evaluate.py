"""``seizure evaluate RUN``: re-score a trained run (e.g. with another operating-point target)."""

from pathlib import Path

from pipelines.commands.common import print_run_summary


def run(args) -> int:
    import json
    from datetime import datetime, timezone

    from pipelines.evaluate import evaluate_run
    from pipelines.prepare import prepare
    from seizure.config import load_config
    from seizure.detection.model import load_detector

    target = Path(args.run)
    if target.is_dir():
        run_dir, run_id = target, None
    else:
        from seizure.tracking import run_info

        run_id = args.run
        run_dir = Path(run_info(run_id, args.tracking_uri or "")["tags"].get("run_dir", ""))
    if not (run_dir / "config.yaml").is_file():
        raise FileNotFoundError(f"{run_dir}: not a training run folder (no config.yaml)")
    cfg = load_config([run_dir / "config.yaml"], args.overrides)
    if args.data:
        cfg.data.root = args.data
    out = run_dir / "evaluations" / datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True)
    by_split, excl = prepare(cfg, exclusions_path=out / "exclusions.json")
    previous = json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else {}
    doc = {k: previous[k] for k in ("run_id", "tracking_uri", "config_hash", "model", "train") if k in previous}
    doc["timing_s"] = {}
    doc = evaluate_run(load_detector(run_dir).net, by_split, excl, cfg, out, doc)
    print_run_summary(doc)
    return 0


def register(sub) -> None:
    c = sub.add_parser("evaluate", help="re-score a trained run folder or MLflow run id on its data")
    c.add_argument("run", help="run folder (runs/<timestamp>) or MLflow run id")
    c.add_argument("overrides", nargs="*", help="e.g. postprocess.target_fa_per_24h=5")
    c.add_argument("--data", help="score another corpus with the same preprocessing")
    c.add_argument("--tracking-uri", default=None)
    c.set_defaults(func=run)
