"""``seizure train``: train, evaluate against the baseline, report, track in MLflow."""

from pipelines.commands.common import add_config_args, config_from_args, print_run_summary


def run(args) -> int:
    from pipelines.train import train

    cfg = config_from_args(args, "train.yaml")
    if args.data:
        cfg.data.root = args.data
    print_run_summary(train(cfg))
    return 0


def register(sub) -> None:
    c = sub.add_parser("train", help="train, evaluate against the baseline, report, track in MLflow")
    add_config_args(c)
    c.add_argument("--data", help="corpus root (the folder holding edf/)")
    c.set_defaults(func=run)
