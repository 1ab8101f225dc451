"""``seizure train``: train, evaluate against the baseline, report, track in MLflow."""

from seizure_app.commands.common import add_config_args, config_from_args, print_run_summary


def run(args) -> int:
    from seizure_app.train import RunError, train

    cfg = config_from_args(args, "train.yaml")
    if args.data:
        cfg.data.root = args.data
    if args.resume and (args.overrides or args.data or args.config):
        raise RunError("--resume continues a run with its saved configuration; drop the overrides/--data/--config")
    doc = train(cfg, resume=args.resume)
    if "rank" not in doc:  # DDP: non-zero ranks have nothing to print
        print_run_summary(doc)
    return 0


def register(sub) -> None:
    c = sub.add_parser("train", help="train, evaluate against the baseline, report, track in MLflow")
    add_config_args(c)
    c.add_argument("--data", help="corpus root (the folder holding edf/)")
    c.add_argument("--resume", metavar="RUN_ID", help="continue this MLflow run from its last checkpoint")
    c.set_defaults(func=run)
