"""``seizure sweep [EXPERIMENT.yaml]``: train variants as child runs of one MLflow parent run."""

from seizure_app.commands.common import config_path


def run(args) -> int:
    from seizure_app.sweep import sweep

    items = list(args.overrides)
    experiment = None
    if items and items[0].endswith((".yaml", ".yml")) and "=" not in items[0]:
        experiment = str(config_path(items.pop(0)))
    paths = [config_path(p) for p in (args.config or ["train.yaml"])]
    if args.data:
        items.append(f"data.root={args.data}")
    out = sweep(paths, items, grid=args.grid, experiment=experiment)
    print(f"\nsweep parent run {out['parent_run_id']}")
    print(out["table"])
    print(f"results: {out['table_md']}  {out['table_csv']}")
    return 0


def register(sub) -> None:
    c = sub.add_parser("sweep", help="train variants (experiment file and/or grid) as parent + child MLflow runs")
    c.add_argument(
        "overrides",
        nargs="*",
        help="optional experiment file (configs/experiments/*.yaml) first, then overrides for every run",
    )
    c.add_argument(
        "--grid",
        action="append",
        metavar="KEY=V1,V2",
        help="one axis of a grid (repeatable), e.g. --grid model.rnn=lstm,gru",
    )
    c.add_argument("--config", action="append", help="YAML config file (repeatable)")
    c.add_argument("--data", help="corpus root (the folder holding edf/)")
    c.set_defaults(func=run)
