"""``seizure evaluate RUN``: re-score a trained run (e.g. with another operating-point target)."""

from seizure_app.commands.common import print_run_summary


def run(args) -> int:
    from seizure_app.evaluate import evaluate_run, resolve_run_dir, run_config

    run_dir = resolve_run_dir(args.run, args.tracking_uri or "")
    doc = evaluate_run(run_dir, run_config(run_dir, args.overrides, args.data))
    print_run_summary(doc)
    return 0


def register(sub) -> None:
    c = sub.add_parser("evaluate", help="re-score a trained run folder or MLflow run id on its data")
    c.add_argument("run", help="run folder (runs/<timestamp>) or MLflow run id")
    c.add_argument("overrides", nargs="*", help="e.g. postprocess.target_fa_per_24h=5")
    c.add_argument("--data", help="score another corpus with the same preprocessing")
    c.add_argument("--tracking-uri", default=None)
    c.set_defaults(func=run)
