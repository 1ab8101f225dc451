"""The run a pipeline logs to: :class:`Tracker`, and its stand-in on DDP ranks.

Its Lightning callback, :class:`~seizure.tracking.callback.MlflowEpochCallback`, is defined in
:mod:`seizure.tracking.callback` and importable from here too.

A tracker never lets a tracking failure reach the run's code. When the store cannot be reached, at the
start or mid-run, it logs one WARNING and records everything that follows (params, tags, metrics with
their steps, artifacts, the model, the end status) in a local journal (:mod:`seizure.tracking.offline`),
which ``seizure runs --sync PATH`` replays once the server is back. The journal folder is
``<offline_dir>/<run id>/``; ``offline_dir`` is the one given, else ``$SEIZURE_TRACKING_OFFLINE_DIR``,
else ``<run folder>/mlflow-offline`` once a ``run_dir`` tag was set, else ``<working dir>/mlflow-offline``.
It stays offline for the rest of the run (one run, one place to sync from). A call the store answers
and refuses (a bad value) is dropped with a WARNING naming the call.

While active, the run carries its process's host, pid and start as tags, and a heartbeat tag (UTC
time) refreshed at most every ``heartbeat_s`` seconds; :mod:`seizure.tracking.liveness` uses them to
tell a dead RUNNING run from a live one.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow.entities import Metric, Param, RunTag

from seizure.tracking import liveness
from seizure.tracking.callback import MlflowEpochCallback
from seizure.tracking.model import log_torch_model
from seizure.tracking.offline import Journal, context_tags
from seizure.tracking.store import (
    STORE_ERRORS,
    TrackingError,
    connect,
    describe,
    get_or_create_experiment,
    is_refusal,
    resolve_uri,
    sqlite_path,
)

__all__ = ["Tracker", "MlflowEpochCallback", "NullTracker", "git_commit", "global_rank", "OFFLINE_DIR_ENV"]

logger = logging.getLogger("seizure")

OFFLINE_DIR_ENV = "SEIZURE_TRACKING_OFFLINE_DIR"
SQLITE_ATTEMPTS = 3  # a sqlite database locked past MLflow's 20 s busy timeout: retried after 0.5 s and 1 s

_offline_runs: set[str] = set()  # run ids this process records offline: their child runs go offline too
_unended: dict[int, Tracker] = {}  # trackers started and not yet ended, ended FAILED at interpreter exit


def git_commit() -> str:
    """Commit of the source tree the package runs from, or ``unknown``."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class Tracker:
    """One MLflow run. Use as a context manager: a normal end marks the run FINISHED, an exception
    FAILED, Ctrl-C or SIGTERM (which the pipelines turn into KeyboardInterrupt) KILLED; never left
    RUNNING, also when it was recorded offline (the journal holds the status).

    Parameters
    ----------
    uri : str
        Tracking URI (default: see :func:`~seizure.tracking.store.resolve_uri`).
    experiment : str
        Experiment of a new run, created when missing.
    run_name : str, optional
        Name of a new run (MLflow makes one up when None).
    run_id : str, optional
        Continue this existing run (resumption) instead of starting a new one. Its previous attempt
        is tagged ``seizure.attempt.<n>`` with how it ended (a RUNNING run whose process is gone:
        KILLED, with the reason).
    parent_run_id : str, optional
        Start the run as a child of this one (sweeps).
    offline_dir : path-like, optional
        Where the local journal goes if the store cannot be reached (see the module doc).
    heartbeat_s : float
        Shortest interval between two heartbeat tags (seconds).

    Raises
    ------
    TrackingError
        When the store refuses the run: an unknown or deleted ``run_id``, a ``run_id`` whose process
        is still alive, a deleted experiment.
    """

    def __init__(
        self,
        uri: str = "",
        experiment: str = "seizure",
        run_name: str | None = None,
        run_id: str | None = None,
        parent_run_id: str | None = None,
        offline_dir: str | os.PathLike | None = None,
        heartbeat_s: float = liveness.HEARTBEAT_S,
    ) -> None:
        self.uri = resolve_uri(uri)
        self.experiment = experiment
        self.run_name = run_name
        self.parent_run_id = parent_run_id
        self.offline_dir = Path(offline_dir) if offline_dir else None
        self.heartbeat_s = float(heartbeat_s)
        self.journal: Journal | None = None
        self.run_id = ""
        self.experiment_id = ""
        self._run_dir = ""
        self._last_beat = 0.0
        self._attempts = SQLITE_ATTEMPTS if sqlite_path(self.uri) else 1
        self._identity = liveness.identity_tags()
        self._client: mlflow.MlflowClient | None = None
        mlflow.set_tracking_uri(self.uri)  # for the code that uses MLflow's global URI (model logging)
        if parent_run_id and parent_run_id in _offline_runs:
            self.run_id = run_id or ""
            self._go_offline(f"its parent run {parent_run_id} is recorded offline")
        else:
            try:
                self._start(run_id)
            except STORE_ERRORS as exc:
                if is_refusal(exc):
                    what = f"run {run_id}" if run_id else f"a run in experiment {experiment!r}"
                    raise TrackingError(f"{self.uri}: cannot continue {what}: {describe(exc)}") from None
                if run_id:
                    self.run_id = run_id
                self._go_offline(describe(exc))
        _unended[id(self)] = self

    # -- start ------------------------------------------------------------------------------------

    def _start(self, run_id: str | None) -> None:
        client = connect(self.uri)
        tags = {**self._identity, liveness.HEARTBEAT_TAG: liveness.now_iso()}
        if run_id:
            run = client.get_run(run_id)
            if run.info.lifecycle_stage == "deleted":
                raise TrackingError(f"{self.uri}: MLflow run {run_id} is deleted; cannot continue it")
            tags.update(self._previous_attempt(run))
            client.update_run(run_id, status="RUNNING")
            if liveness.END_REASON_TAG in run.data.tags:
                client.delete_tag(run_id, liveness.END_REASON_TAG)
            self.run_id, self.experiment_id = run_id, run.info.experiment_id
            self._run_dir = run.data.tags.get("run_dir", "")
        else:
            experiment_id = get_or_create_experiment(client, self.experiment)
            start = context_tags()
            if self.parent_run_id:
                start["mlflow.parentRunId"] = self.parent_run_id
            run = client.create_run(experiment_id, tags=start, run_name=self.run_name)
            self.run_id, self.experiment_id = run.info.run_id, experiment_id
        self._client = client
        client.log_batch(self.run_id, tags=[RunTag(k, v) for k, v in tags.items()])
        self._last_beat = time.monotonic()

    def _previous_attempt(self, run) -> dict[str, str]:
        """Tags recording how the previous attempt of a resumed run ended; refuses a live one."""
        tags, status = dict(run.data.tags), run.info.status
        host, pid = tags.get(liveness.HOST_TAG, "?"), tags.get(liveness.PID_TAG, "?")
        if liveness.is_known_alive(status, tags):
            raise TrackingError(
                f"MLflow run {run.info.run_id} is still running (pid {pid} on {host}, last heartbeat "
                f"{tags.get(liveness.HEARTBEAT_TAG, '?')}); wait for it to end, or if it is dead end it with "
                f"`seizure runs --end {run.info.run_id}`"
            )
        attempt = tags.get(liveness.ATTEMPT_TAG, "1")
        attempt = int(attempt) if attempt.isdigit() else 1
        if status == "RUNNING":
            reason = liveness.death_reason(status, tags) or "its process left no trace of life"
            ended = f"KILLED ({reason}; found dead when resumed at {liveness.now_iso()})"
            logger.warning(
                "MLflow run %s: its previous attempt (pid %s on %s) is dead: %s; continuing it",
                run.info.run_id,
                pid,
                host,
                reason,
            )
        else:
            why = tags.get(liveness.END_REASON_TAG)
            ended = status + (f" ({why})" if why else "")
        return {
            f"{liveness.ATTEMPT_TAG}.{attempt}": f"{ended}; pid {pid} on {host}",
            liveness.ATTEMPT_TAG: str(attempt + 1),
        }

    # -- offline ----------------------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        """True once the run is recorded in the local journal instead of the store."""
        return self.journal is not None

    def _offline_root(self) -> Path:
        if self.offline_dir:
            return self.offline_dir
        if os.environ.get(OFFLINE_DIR_ENV):
            return Path(os.environ[OFFLINE_DIR_ENV])
        if self._run_dir:
            return Path(self._run_dir) / "mlflow-offline"
        return Path.cwd() / "mlflow-offline"

    def _go_offline(self, reason: str) -> None:
        server_run_id = self.run_id or None
        if not self.run_id:
            self.run_id = uuid.uuid4().hex
        root = self._offline_root().resolve()
        folder, n = root / self.run_id, 1
        while folder.exists():
            n += 1
            folder = root / f"{self.run_id}-{n}"
        self.journal = Journal.create(
            folder,
            {
                "offline_id": self.run_id,
                "server_run_id": server_run_id,
                "uri": self.uri,
                "experiment": self.experiment,
                "experiment_id": self.experiment_id,
                "run_name": self.run_name,
                "parent_run_id": self.parent_run_id,
                "identity": self._identity,
                "reason": reason,
                "context_tags": {} if server_run_id else context_tags(),
            },
        )
        self.journal.append("tags", tags={**self._identity, liveness.HEARTBEAT_TAG: liveness.now_iso()})
        _offline_runs.add(self.run_id)
        logger.warning(
            "tracking store %s cannot be reached (%s): MLflow run %s goes on in the local record %s; "
            "nothing is lost. When the store is back, replay it with: seizure runs --sync %s --tracking-uri %s",
            self.uri,
            reason,
            self.run_id,
            folder,
            folder,
            self.uri,
        )

    def _do(self, what: str, online: Callable[[], Any], offline: Callable[[], Any]) -> Any:
        """Run ``online`` against the store; on a store that cannot be reached switch to the journal and
        run ``offline``. A refusal is logged and dropped."""
        if self.journal is None:
            for attempt in range(self._attempts):
                try:
                    return online()
                except STORE_ERRORS as exc:
                    if is_refusal(exc):
                        logger.warning(
                            "tracking store %s refused %s for run %s: %s", self.uri, what, self.run_id, describe(exc)
                        )
                        return None
                    if attempt + 1 < self._attempts:
                        time.sleep(0.5 * 2**attempt)
                        continue
                    self._go_offline(f"{what} failed: {describe(exc)}")
        return offline()

    # -- context ----------------------------------------------------------------------------------

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None or (issubclass(exc_type, SystemExit) and exc.code in (0, None)):
            status = "FINISHED"
        elif issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            status = "KILLED"  # Lightning turns Ctrl-C into sys.exit(1) after a graceful shutdown
        else:
            status = "FAILED"
        self.end(status)

    def end(self, status: str = "FINISHED", reason: str = "") -> None:
        """End the run with ``status`` (FINISHED, FAILED or KILLED), in the store or the journal.

        Parameters
        ----------
        status : str
            ``FINISHED``, ``FAILED`` or ``KILLED``; also set as the tag ``end_status``.
        reason : str
            Why it ended, set as the tag ``seizure.end_reason``; '' sets no such tag.
        """
        _unended.pop(id(self), None)
        self.set_tags({"end_status": status, **({liveness.END_REASON_TAG: reason} if reason else {})})
        self._do(
            f"ending the run {status}",
            lambda: self._client.set_terminated(self.run_id, status),
            lambda: self.journal.append("end", status=status),
        )

    # -- logging ----------------------------------------------------------------------------------

    def log_params(self, params: dict[str, Any]) -> None:
        """Log run parameters (in batches of 100).

        Parameters
        ----------
        params : dict
            Name to value; values are logged as ``str`` (None as ''). A call the store refuses (a
            parameter already logged with another value) is dropped with a WARNING.
        """
        clean = {k: ("" if v is None else str(v)) for k, v in params.items()}
        items = [Param(k, v) for k, v in clean.items()]

        def online():
            for i in range(0, len(items), 100):
                self._client.log_batch(self.run_id, params=items[i : i + 100])

        self._do("logging params", online, lambda: self.journal.append("params", params=clean))

    def set_tags(self, tags: dict[str, Any]) -> None:
        """Set run tags (in batches of 100); a later value replaces an earlier one.

        Parameters
        ----------
        tags : dict
            Name to value; values are logged as ``str``. A non-empty ``run_dir`` tag also makes
            ``<run_dir>/mlflow-offline`` the default journal folder should the store be lost later.
        """
        clean = {k: str(v) for k, v in tags.items()}
        if clean.get("run_dir"):
            self._run_dir = clean["run_dir"]
        items = [RunTag(k, v) for k, v in clean.items()]

        def online():
            for i in range(0, len(items), 100):
                self._client.log_batch(self.run_id, tags=items[i : i + 100])

        self._do("setting tags", online, lambda: self.journal.append("tags", tags=clean))

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Log metric values at one step, then refresh the heartbeat (see :meth:`heartbeat`).

        Parameters
        ----------
        metrics : dict of str to float
            Name to value; None, NaN and infinite values are left out.
        step : int, optional
            The MLflow step (the epoch for training metrics); None logs step 0.
        """
        clean = {k: float(v) for k, v in metrics.items() if v is not None and np.isfinite(v)}
        if clean:
            ms, step = int(time.time() * 1000), int(step or 0)
            batch = [Metric(k, v, ms, step) for k, v in clean.items()]
            self._do(
                f"logging metrics of step {step}",
                lambda: self._client.log_batch(self.run_id, metrics=batch),
                lambda: self.journal.append("metrics", metrics=clean, step=step, time=ms),
            )
        self.heartbeat()

    def heartbeat(self, force: bool = False) -> None:
        """Refresh the heartbeat tag when ``heartbeat_s`` seconds passed since the last one (or ``force``).

        Parameters
        ----------
        force : bool
            Write the heartbeat of this run now, however recent the last one.

        Notes
        -----
        The other unended runs of this process (a sweep's parent while a child trains) are refreshed
        on the same terms: the heartbeat says the process is alive.
        """
        self._beat(force)
        for other in list(_unended.values()):
            if other is not self:
                other._beat(False)

    def _beat(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last_beat >= self.heartbeat_s:
            self._last_beat = now
            self.set_tags({liveness.HEARTBEAT_TAG: liveness.now_iso()})

    def log_artifact(self, path: str | os.PathLike, artifact_path: str | None = None) -> None:
        """Log a file (or a folder's files) under ``artifact_path``.

        Parameters
        ----------
        path : path-like
            The file or folder to log.
        artifact_path : str, optional
            Artifact sub-folder of the run; None for the top level.

        Raises
        ------
        FileNotFoundError
            When ``path`` does not exist (a fault of the caller, not of the store).
        """
        if not Path(path).exists():
            raise FileNotFoundError(2, "no such file to log as an artifact", str(path))
        self._do(
            f"logging artifact {path}",
            lambda: self._client.log_artifact(self.run_id, str(path), artifact_path),
            lambda: self.journal.add_artifact(path, artifact_path),
        )

    def log_dict(self, data: dict, name: str) -> None:
        """Log ``data`` as an artifact file: YAML for a ``.yaml``/``.yml`` name, else JSON.

        Parameters
        ----------
        data : dict
            The content.
        name : str
            Artifact file name, with an optional sub-folder (``"sub/name.json"``).
        """
        self._do(
            f"logging {name}",
            lambda: self._client.log_dict(self.run_id, data, name),
            lambda: self.journal.add_dict(data, name),
        )

    def log_model(self, net, input_example: np.ndarray, registered_name: str = "") -> str:
        """Log a torch module with signature and input example; register it if a name is given.

        The model is pickled (``serialization_format="pickle"``): loading it needs the ``seizure``
        package installed, and accepts any batch size and window length, unlike a traced export.

        Parameters
        ----------
        net : torch.nn.Module
            The network; it maps a float32 batch of windows to per-step logits.
        input_example : ndarray, shape (B, C, T)
            A float32 input batch (B windows, C network input rows, T samples per window); the
            signature is inferred from one forward pass on it.
        registered_name : str
            Registry name to register a new model version under; '' registers nothing.

        Returns
        -------
        str
            The model URI; offline, the local model folder (logged and registered at sync); '' when
            the store refused the model.
        """
        return (
            self._do(
                "logging the model",
                lambda: log_torch_model(self.uri, self.run_id, self.experiment_id, net, input_example, registered_name),
                lambda: self.journal.add_model(net, input_example, registered_name),
            )
            or ""
        )


@atexit.register
def _end_unended() -> None:
    """A run this process started and never ended (no context manager, an exit that skipped it) ends
    FAILED when the interpreter exits, rather than staying RUNNING."""
    for tracker in list(_unended.values()):
        try:
            tracker.end("FAILED", "the process exited without ending the run")
        except (*STORE_ERRORS, TrackingError) as exc:  # at exit: nothing to raise to
            logger.warning("MLflow run %s could not be ended at exit: %s", tracker.run_id, describe(exc))


class NullTracker:
    """Stands in for ``Tracker`` on non-zero ranks of a multi-process (DDP) launch: logs nothing."""

    run_id = ""
    uri = ""
    offline = False

    def __enter__(self) -> NullTracker:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __getattr__(self, name):
        return lambda *a, **k: None


def global_rank() -> int:
    """Rank of this process in a torchrun / Lightning / SLURM launch (0 when launched alone)."""
    for var in ("RANK", "SLURM_PROCID", "LOCAL_RANK"):
        if var in os.environ:
            try:
                return int(os.environ[var])
            except ValueError:
                pass
    return 0
