"""MLflow tracking: the only package of the project that imports mlflow.

The tracking URI is, in order: the configured one, ``$MLFLOW_TRACKING_URI``, or
``sqlite:///<working dir>/mlflow.db``.

- :mod:`~seizure.tracking.store`: connections (bounded HTTP waits, a race-free sqlite schema);
- :mod:`~seizure.tracking.tracker`: :class:`Tracker`, the run a pipeline logs to, which goes on in a
  local journal when the store cannot be reached;
- :mod:`~seizure.tracking.callback`: :class:`MlflowEpochCallback`, logging a training run's epochs;
- :mod:`~seizure.tracking.offline`: that journal and its replay (``seizure runs --sync``);
- :mod:`~seizure.tracking.liveness`: telling a dead RUNNING run from a live one;
- :mod:`~seizure.tracking.queries`: reading runs back, ending dead ones, loading models.
"""

from seizure.tracking.liveness import HEARTBEAT_S, STALE_AFTER_S
from seizure.tracking.offline import sync
from seizure.tracking.queries import (
    download_run_artifacts,
    end_stale_run,
    load_model,
    log_report,
    mark_dead_runs,
    run_info,
    search_runs,
)
from seizure.tracking.store import HTTP_DEFAULTS, TrackingError, resolve_uri
from seizure.tracking.tracker import MlflowEpochCallback, NullTracker, Tracker, git_commit, global_rank

__all__ = [
    "resolve_uri",
    "Tracker",
    "MlflowEpochCallback",
    "git_commit",
    "run_info",
    "search_runs",
    "load_model",
    "download_run_artifacts",
    "log_report",
    "NullTracker",
    "global_rank",
    "TrackingError",
    "HTTP_DEFAULTS",
    "HEARTBEAT_S",
    "STALE_AFTER_S",
    "sync",
    "mark_dead_runs",
    "end_stale_run",
]
