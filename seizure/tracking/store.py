"""Connections to a tracking store: URI resolution, bounded HTTP waits, a race-free sqlite schema, and
the line between a store that refused a call and one that cannot be reached.

HTTP tracking URIs get these MLflow request settings unless the environment already sets them
(:data:`HTTP_DEFAULTS`):

- ``MLFLOW_HTTP_REQUEST_TIMEOUT=10``: seconds per connect or read of one request (MLflow: 120);
- ``MLFLOW_HTTP_REQUEST_MAX_RETRIES=2`` (MLflow: 7);
- ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR=1`` and ``MLFLOW_HTTP_REQUEST_BACKOFF_JITTER=0.5``: the
  sleeps between the three attempts are 0 s and 2-2.5 s (MLflow: up to 120 s each).

A server that refuses connections is thus noticed in about 3 s, one that accepts and never answers in
at most 3 x 10 + 2.5 = 32.5 s (with MLflow's defaults: about 290 s and 20 minutes).

A ``sqlite:///`` database is created by the first process that touches it while it holds an exclusive
``fcntl.flock`` on ``<database>.lock`` beside it, so that two processes starting on a fresh database
do not both create the tables.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from pathlib import Path

import alembic.util.exc
import mlflow
import requests
import sqlalchemy.exc
from mlflow.environment_variables import (
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR,
    MLFLOW_HTTP_REQUEST_BACKOFF_JITTER,
    MLFLOW_HTTP_REQUEST_MAX_RETRIES,
    MLFLOW_HTTP_REQUEST_TIMEOUT,
)
from mlflow.exceptions import MlflowException

from seizure._validation import SeizureError

__all__ = [
    "HTTP_DEFAULTS",
    "TrackingError",
    "resolve_uri",
    "connect",
    "is_refusal",
    "describe",
    "sqlite_path",
    "STORE_ERRORS",
    "get_or_create_experiment",
    "store_errors",
]

logger = logging.getLogger("seizure")

HTTP_DEFAULTS: dict[str, str] = {
    MLFLOW_HTTP_REQUEST_TIMEOUT.name: "10",
    MLFLOW_HTTP_REQUEST_MAX_RETRIES.name: "2",
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR.name: "1",
    MLFLOW_HTTP_REQUEST_BACKOFF_JITTER.name: "0.5",
}

#: What a tracking call raises when the store fails: MLflow's own errors (HTTP failures after the
#: retries, wrapped database errors), network errors (``requests`` errors are ``OSError``), and the raw
#: SQLAlchemy and Alembic errors of a database being opened while another process (one that takes no
#: lock) creates it.
STORE_ERRORS = (MlflowException, OSError, sqlalchemy.exc.SQLAlchemyError, alembic.util.exc.CommandError)

LOCK_WAIT_S = 120.0  # longest wait for another process creating the same sqlite database
INIT_ATTEMPTS = 5

_ready: set[str] = set()
_ready_lock = threading.Lock()


class TrackingError(SeizureError):
    """A tracking request that cannot be carried out (unknown run, a run still alive, a bad journal)."""


def resolve_uri(uri: str = "") -> str:
    """The tracking URI: ``uri``, else ``$MLFLOW_TRACKING_URI``, else ``sqlite:///<working dir>/mlflow.db``.

    Parameters
    ----------
    uri : str
        The configured tracking URI; '' falls back to the environment, then to the default.

    Returns
    -------
    str
        The URI to connect to (the default one with an absolute path).
    """
    if uri:
        return uri
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    return f"sqlite:///{Path.cwd() / 'mlflow.db'}"


def is_http(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (relative paths resolved from the working directory),
    or None for other URIs and in-memory databases.

    Parameters
    ----------
    uri : str
        A tracking URI; a query string after ``?`` is ignored.

    Returns
    -------
    Path or None
        The absolute path of the database file.
    """
    if not uri.startswith("sqlite:///"):
        return None
    rest = uri[len("sqlite:///") :].split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest).resolve()


@contextlib.contextmanager
def store_errors(uri: str, what: str):
    """Turn the errors of a store that fails or refuses into a :class:`TrackingError` naming ``uri`` and
    ``what`` was asked (a full disk and other ``OSError`` stay what they are).

    A context manager: MLflow errors, SQLAlchemy errors and ``requests`` errors raised inside the
    ``with`` block become a :class:`TrackingError` chained to the original.

    Parameters
    ----------
    uri : str
        The tracking URI the block talks to, put at the head of the message.
    what : str
        What the block does, for the message (e.g. ``"reading run <id>"``).

    Raises
    ------
    TrackingError
        ``"<uri>: <what>: <error class>: <message>"``.
    """
    try:
        yield
    except (MlflowException, sqlalchemy.exc.SQLAlchemyError, requests.RequestException) as exc:
        raise TrackingError(f"{uri}: {what}: {describe(exc)}") from exc


def is_refusal(exc: BaseException) -> bool:
    """True when the store answered and refused the request (an HTTP 4xx class error: bad value,
    unknown run, a name already taken); False when it could not be reached or failed on its side.

    Parameters
    ----------
    exc : BaseException
        An error raised by a tracking call; only an ``MlflowException`` with a 4xx status code is
        a refusal.

    Returns
    -------
    bool
    """
    return isinstance(exc, MlflowException) and 400 <= exc.get_http_status_code() < 500


def describe(exc: BaseException) -> str:
    """One line for a store error.

    Parameters
    ----------
    exc : BaseException
        The error; of an ``MlflowException`` its message is taken, of others ``str(exc)``.

    Returns
    -------
    str
        ``"<error class>: <message>"``, whitespace collapsed to single spaces and the message cut
        at 240 characters.
    """
    text = exc.message if isinstance(exc, MlflowException) else str(exc)
    text = " ".join(str(text).split())
    return f"{type(exc).__name__}: {text[:240]}"


@contextlib.contextmanager
def _file_lock(path: Path, wait_s: float = LOCK_WAIT_S):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TrackingError(
                        f"{path}: another process held this lock for more than {wait_s:.0f} s "
                        "while creating the tracking database"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _open_sqlite(uri: str, db: Path) -> None:
    """Create (or migrate) the schema of ``db`` once, under the lock beside it; retry the transient
    sqlite errors (``database is locked``, a table created by a process that does not take the lock)."""
    with _file_lock(db.with_name(db.name + ".lock")):
        for attempt in range(INIT_ATTEMPTS):
            try:
                mlflow.MlflowClient(uri).search_experiments(max_results=1)
                return
            except STORE_ERRORS as exc:
                if is_refusal(exc) or attempt == INIT_ATTEMPTS - 1:
                    raise
                logger.debug("tracking database %s not ready (%s); retrying", db, describe(exc))
                time.sleep(0.2 * 2**attempt)


def connect(uri: str) -> mlflow.MlflowClient:
    """A client for ``uri`` (already resolved), after the one-time set-up of its store: bounded HTTP
    waits for a server, the schema of a sqlite database created under its lock.

    Parameters
    ----------
    uri : str
        A resolved tracking URI (see :func:`resolve_uri`). For ``http(s)://`` URIs the variables
        of :data:`HTTP_DEFAULTS` not already in the environment are set; a ``sqlite:///`` database
        is opened (and its schema created) once per process.

    Returns
    -------
    mlflow.MlflowClient

    Raises
    ------
    TrackingError
        When another process holds the lock of a sqlite database for more than 120 s.
    MlflowException, OSError, sqlalchemy.exc.SQLAlchemyError, alembic.util.exc.CommandError
        What the store raises when it cannot be opened (:data:`STORE_ERRORS`), left to the caller.
    """
    if is_http(uri):
        for name, value in HTTP_DEFAULTS.items():
            os.environ.setdefault(name, value)
    db = sqlite_path(uri)
    if db is not None and uri not in _ready:
        with _ready_lock:
            if uri not in _ready:
                _open_sqlite(uri, db)
                _ready.add(uri)
    return mlflow.MlflowClient(uri)


def get_or_create_experiment(client: mlflow.MlflowClient, name: str) -> str:
    """Id of the experiment ``name``, created when missing; safe when another process creates it too.

    Parameters
    ----------
    client : mlflow.MlflowClient
        A client of the store (see :func:`connect`).
    name : str
        The experiment name.

    Returns
    -------
    str
        The experiment id.

    Raises
    ------
    TrackingError
        When the experiment exists but is deleted.
    """
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        if exp.lifecycle_stage == "deleted":
            raise TrackingError(
                f"MLflow experiment {name!r} is deleted; restore it (mlflow experiments restore) "
                "or choose another tracking.experiment"
            )
        return exp.experiment_id
    try:
        return client.create_experiment(name)
    except MlflowException as exc:
        if not is_refusal(exc):
            raise
        exp = client.get_experiment_by_name(name)  # created meanwhile by another process
        if exp is None:
            raise
        return exp.experiment_id
