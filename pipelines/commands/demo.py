"""``seizure demo``: the whole pipeline on a synthetic corpus generated once into data/demo."""

from seizure_app.commands.common import add_config_args, config_from_args, print_run_summary, progress_bar


def run(args) -> int:
    from seizure_app.demo import demo

    cfg = config_from_args(args, "demo.yaml")
    print_run_summary(demo(cfg, progress=progress_bar("synth")))
    return 0


def register(sub) -> None:
    c = sub.add_parser("demo", help="the whole pipeline on a synthetic corpus (generated once into data/demo)")
    add_config_args(c)
    c.set_defaults(func=run)
