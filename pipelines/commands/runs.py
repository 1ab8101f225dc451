"""``seizure runs``: list and compare tracked runs, find and end dead ones, sync offline records.

A RUNNING run whose process is gone (same host, pid not alive) or, on another host, whose heartbeat is
older than ``--stale-after`` seconds is listed as ``RUNNING (dead: <why>)``; ``--mark-dead`` sets such
runs KILLED. ``--sync PATH`` replays the local records a run wrote while its server could not be reached.
"""

DEFAULT_METRICS = [
    "eval_model_ovlp_sensitivity",
    "eval_model_ovlp_fa_per_24h",
    "eval_model_taes_sensitivity",
    "eval_model_taes_fa_per_24h",
    "val_auroc",
]


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _status(r: dict) -> str:
    return f"{r['status']} (dead: {r['dead']})" if r.get("dead") else r["status"]


def run(args) -> int:
    from seizure.tracking import STALE_AFTER_S, end_stale_run, mark_dead_runs, search_runs, sync

    uri = args.tracking_uri or ""
    if args.stale_after is None:
        args.stale_after = STALE_AFTER_S
    if args.sync:
        rows = sync(args.sync, uri, stale_after_s=args.stale_after)
        print(f"{sum(r['action'] == 'synced' for r in rows)} of {len(rows)} offline records synced")
        return 0
    if args.end:
        for run_id in args.end:
            reason = end_stale_run(run_id, uri, stale_after_s=args.stale_after, force=args.force)
            print(f"{run_id}: KILLED ({reason})")
        return 0
    if args.mark_dead:
        marked = mark_dead_runs(uri, args.experiment, run_ids=args.ids or None, stale_after_s=args.stale_after)
        for run_id, reason in marked:
            print(f"{run_id}: KILLED ({reason})")
        print(f"{len(marked)} dead runs marked KILLED")
        return 0
    runs = search_runs(uri, args.experiment, max_results=args.limit, stale_after_s=args.stale_after)
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
        [r["run_id"][:8], _status(r), (r["run_name"] or "")[:28]]
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
    c.add_argument(
        "--stale-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a RUNNING run of another host is dead after this long without a heartbeat "
        "(default: seizure.tracking.STALE_AFTER_S, one hour)",
    )
    c.add_argument("--mark-dead", action="store_true", help="set the dead RUNNING runs (of the ids given) KILLED")
    c.add_argument("--end", nargs="+", metavar="RUN_ID", help="set these RUNNING runs KILLED if they are dead")
    c.add_argument("--force", action="store_true", help="with --end: also runs that cannot be shown dead")
    c.add_argument(
        "--sync",
        metavar="PATH",
        help="replay offline tracking records (a folder with journal.jsonl, or searched for them) into "
        "--tracking-uri (default: the server each record was meant for)",
    )
    c.set_defaults(func=run)
