"""``seizure runs``: list and compare tracked runs from the command line."""

DEFAULT_METRICS = [
    "eval_model_ovlp_sensitivity", "eval_model_ovlp_fa_per_24h",
    "eval_model_taes_sensitivity", "eval_model_taes_fa_per_24h", "val_auroc",
]


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def run(args) -> int:
    from seizure.tracking import search_runs

    runs = search_runs(args.tracking_uri or "", args.experiment, max_results=args.limit)
    if args.ids:
        runs = [r for r in runs if r["run_id"] in args.ids or r["run_id"][:8] in args.ids]
    metrics = args.metric or DEFAULT_METRICS
    params = args.param or ["model.rnn", "train.epochs", "train.seed"]
    if args.best:
        key = args.best
        scored = [r for r in runs if key in r["metrics"]]
        if not scored:
            raise ValueError(f"no run has metric {key!r}; known: {sorted({k for r in runs for k in r['metrics']})}")
        runs = sorted(scored, key=lambda r: r["metrics"][key], reverse=not args.lowest)
    header = ["run_id", "status", "name"] + params + metrics
    rows = [
        [r["run_id"][:8], r["status"], (r["run_name"] or "")[:28]]
        + [r["params"].get(p) for p in params]
        + [r["metrics"].get(m) for m in metrics]
        for r in runs
    ]
    widths = [max(len(h), *(len(_fmt(row[i])) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(_fmt(v).ljust(w) for v, w in zip(row, widths)))
    if args.best and rows:
        print(f"\nbest by {args.best} ({'lowest' if args.lowest else 'highest'}): {runs[0]['run_id']}")
    return 0


def register(sub) -> None:
    c = sub.add_parser("runs", help="list and compare tracked runs")
    c.add_argument("ids", nargs="*", help="only these run ids (full or first 8 characters)")
    c.add_argument("--experiment", default=None, help="MLflow experiment name (default: all)")
    c.add_argument("--tracking-uri", default=None, help="default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db")
    c.add_argument("--metric", action="append", help="metric column (repeatable)")
    c.add_argument("--param", action="append", help="param column (repeatable)")
    c.add_argument("--best", metavar="METRIC", help="sort by this metric, best first")
    c.add_argument("--lowest", action="store_true", help="with --best: lower is better (e.g. FA/24h)")
    c.add_argument("--limit", type=int, default=50)
    c.set_defaults(func=run)
