"""``seizure sweep``: train a grid of configurations as child runs of one MLflow parent run."""

from pipelines.commands.common import CONFIG_DIR, pct


def run(args) -> int:
    from pipelines.sweep import sweep

    paths = list(args.config or [CONFIG_DIR / "train.yaml"])
    overrides = list(args.overrides)
    if args.data:
        overrides.append(f"data.root={args.data}")
    out = sweep(paths, overrides, args.grid)
    print(f"\nsweep parent run {out['parent_run_id']}")
    for c in out["children"]:
        fa = "n/a" if c["eval_ovlp_fa_per_24h"] is None else f"{c['eval_ovlp_fa_per_24h']:.2f}"
        print(f"  {c['run_id']}  {' '.join(c['overrides']):<40} OVLP {pct(c['eval_ovlp_sensitivity'])} at {fa} FA/24h")
    return 0


def register(sub) -> None:
    c = sub.add_parser("sweep", help="train a grid of configurations (parent + child MLflow runs)")
    c.add_argument("overrides", nargs="*", help="overrides applied to every run, e.g. train.epochs=5")
    c.add_argument("--grid", action="append", required=True, metavar="KEY=V1,V2",
                   help="one axis of the grid (repeatable), e.g. --grid model.rnn=lstm,gru")
    c.add_argument("--config", action="append", help="YAML config file (repeatable)")
    c.add_argument("--data", help="corpus root (the folder holding edf/)")
    c.set_defaults(func=run)
