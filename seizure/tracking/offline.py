"""The local record of a run whose tracking server cannot be reached, and its replay (sync).

A record is a folder holding ``journal.jsonl``, one JSON object a line, each written and flushed to
disk (``fsync``) before the call that made it returns, so a kill loses nothing already logged:

- ``start``: the run (offline id, the server run id when the run exists there, tracking URI,
  experiment, run name, parent run, the writing process, why it went offline);
- ``params``, ``tags``, ``metrics`` (with ``step`` and the time in ms), ``artifact`` (a file or folder
  copied under ``artifacts/``), ``model`` (an MLflow model folder saved beside), ``end`` (status).

:func:`sync` replays records into a tracking store: into the original run when the server has it
(a run that went offline mid-way), else into a new run tagged ``seizure.offline_id``. A synced
record gets ``synced.json`` and is skipped by later syncs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import mlflow
import yaml
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking.context import registry as context_registry

from seizure.tracking import liveness
from seizure.tracking.model import load_saved_model, log_torch_model, save_torch_model
from seizure.tracking.store import (
    STORE_ERRORS,
    TrackingError,
    connect,
    get_or_create_experiment,
    is_refusal,
    resolve_uri,
    store_errors,
)

__all__ = [
    "JOURNAL",
    "SYNCED",
    "OFFLINE_ID_TAG",
    "Journal",
    "Record",
    "read_journal",
    "find_journals",
    "sync",
    "context_tags",
]

logger = logging.getLogger("seizure")

JOURNAL = "journal.jsonl"
SYNCED = "synced.json"
FORMAT = 1
OFFLINE_ID_TAG = "seizure.offline_id"
KINDS = ("start", "params", "tags", "metrics", "artifact", "model", "end")
#: The field each kind of entry needs, and its type.
FIELDS = {
    "start": ("offline_id", str),
    "params": ("params", dict),
    "tags": ("tags", dict),
    "metrics": ("metrics", dict),
    "artifact": ("path", str),
    "model": ("path", str),
    "end": ("status", str),
}
STATUSES = ("FINISHED", "FAILED", "KILLED")


def _ms() -> int:
    return int(time.time() * 1000)


class Journal:
    """Append-only record of one run in ``folder`` (the layout is in the module docstring).

    Parameters
    ----------
    folder : path-like
        The record folder. The constructor opens an existing record for appending; a new one is
        made with :meth:`create`.
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.path = self.folder / JOURNAL

    @classmethod
    def create(cls, folder: str | os.PathLike, start: dict) -> Journal:
        """Start a new record in ``folder`` (created if missing) with its ``start`` entry.

        Parameters
        ----------
        folder : path-like
            The record folder; it must not hold a journal yet.
        start : dict
            Fields of the ``start`` entry (the module docstring lists them); ``offline_id`` (str) is
            required. The journal format number is added.

        Raises
        ------
        TrackingError
            When ``folder`` already holds a journal.
        """
        journal = cls(folder)
        journal.folder.mkdir(parents=True, exist_ok=True)
        if journal.path.exists():
            raise TrackingError(f"{journal.path}: an offline tracking journal already exists there")
        journal.append("start", format=FORMAT, **start)
        return journal

    def append(self, kind: str, **fields) -> None:
        """Write one entry and flush it to disk (``fsync``) before returning.

        Parameters
        ----------
        kind : str
            One of ``start``, ``params``, ``tags``, ``metrics``, ``artifact``, ``model``, ``end``.
        **fields
            The entry's fields, as JSON (other values as ``str``); ``time`` (Unix time in ms)
            defaults to now.
        """
        line = json.dumps({"kind": kind, "time": fields.pop("time", None) or _ms(), **fields}, default=str)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _artifact_dir(self, artifact_path: str | None) -> Path:
        out = self.folder / "artifacts" / (artifact_path or "")
        out.mkdir(parents=True, exist_ok=True)
        return out

    def add_artifact(self, path: str | os.PathLike, artifact_path: str | None = None) -> None:
        """Copy a file or a folder under ``artifacts/<artifact_path>/`` and record an ``artifact`` entry.

        Parameters
        ----------
        path : path-like
            The file or folder (copied whole) to log.
        artifact_path : str, optional
            Artifact sub-folder in the run; None for the top.
        """
        src = Path(path)
        dst = self._artifact_dir(artifact_path) / src.name
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
        self.append("artifact", path=str(dst.relative_to(self.folder)), artifact_path=artifact_path)

    def add_dict(self, data: dict, name: str) -> None:
        """Write ``data`` as the artifact file ``name`` and record an ``artifact`` entry.

        Parameters
        ----------
        data : dict
            The content: YAML when ``name`` ends in ``.yaml`` or ``.yml``, else indented JSON.
        name : str
            Artifact file name, with an optional sub-folder (``"sub/name.json"``).
        """
        sub, _, base = name.rpartition("/")
        dst = self._artifact_dir(sub or None) / base
        if base.endswith((".yaml", ".yml")):
            dst.write_text(yaml.safe_dump(data, sort_keys=False))
        else:
            dst.write_text(json.dumps(data, indent=2, default=str))
        self.append("artifact", path=str(dst.relative_to(self.folder)), artifact_path=sub or None)

    def add_model(self, net, input_example, registered_name: str = "") -> str:
        """Save a network as a model folder of the record (``model``, ``model-2``, ...); returns its path.

        Parameters
        ----------
        net : torch.nn.Module
            The network.
        input_example : ndarray, shape (B, C, T)
            A float32 input batch (B windows, C input rows, T samples per window).
        registered_name : str
            Registry name to register it under when :func:`sync` logs it; '' registers nothing.
        """
        n = 1
        while (self.folder / ("model" if n == 1 else f"model-{n}")).exists():
            n += 1
        folder = self.folder / ("model" if n == 1 else f"model-{n}")
        save_torch_model(folder, net, input_example)
        self.append("model", path=folder.name, registered_name=registered_name)
        return str(folder)


@dataclass
class Record:
    """A journal read back: its ``start`` line and the lines after it.

    Parameters
    ----------
    folder : Path
        The record folder.
    start : dict
        The ``start`` entry (``offline_id`` and the run's description).
    entries : list of dict
        The entries after it, in the order written (each with ``kind`` and ``time`` in ms).
    """

    folder: Path
    start: dict
    entries: list[dict] = field(default_factory=list)

    @property
    def end(self) -> dict | None:
        return next((e for e in reversed(self.entries) if e["kind"] == "end"), None)

    @property
    def offline_id(self) -> str:
        return self.start["offline_id"]

    def synced(self) -> dict | None:
        """What the sync of this record wrote (``synced.json``), or None when it was not synced.

        Returns
        -------
        dict or None
            ``run_id``, ``uri``, ``status``, ``entries`` (the number replayed) and ``time`` (UTC,
            ISO 8601).
        """
        path = self.folder / SYNCED
        return json.loads(path.read_text()) if path.is_file() else None


def read_journal(folder: str | os.PathLike) -> Record:
    """Read ``<folder>/journal.jsonl``; a last line cut short by a kill is dropped.

    Parameters
    ----------
    folder : path-like
        The record folder.

    Raises
    ------
    TrackingError
        For a folder without a journal, and, naming the file and line, for a line that is not a
        journal entry or a first line that is not a ``start`` entry of this format.
    """
    path = Path(folder) / JOURNAL
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise TrackingError(f"{path}: no offline tracking journal") from None
    entries = []
    for i, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines):
                logger.warning(
                    "%s: last line %d is incomplete (the process was killed while writing it); ignoring it", path, i
                )
                break
            raise TrackingError(f"{path}, line {i}: not JSON") from None
        if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
            raise TrackingError(f"{path}, line {i}: field 'kind' must be one of {list(KINDS)}")
        name, kind = FIELDS[entry["kind"]]
        if not isinstance(entry.get(name), kind) or not isinstance(entry.get("time"), int):
            raise TrackingError(
                f"{path}, line {i}: a {entry['kind']!r} entry needs field {name!r} "
                f"({kind.__name__}) and 'time' (int, ms)"
            )
        if entry["kind"] == "end" and entry["status"] not in STATUSES:
            raise TrackingError(f"{path}, line {i}: field 'status' must be one of {list(STATUSES)}")
        entries.append(entry)
    if not entries or entries[0]["kind"] != "start" or entries[0].get("format") != FORMAT:
        raise TrackingError(f"{path}, line 1: expected a 'start' entry of format {FORMAT}")
    return Record(Path(folder), entries[0], entries[1:])


def find_journals(path: str | os.PathLike) -> list[Path]:
    """Journal folders at or under ``path``, oldest run first (so a sweep's parent precedes its children).

    Parameters
    ----------
    path : path-like
        A record folder (holding ``journal.jsonl``), or a folder searched recursively for them.

    Returns
    -------
    list of Path
        Ordered by the time of their ``start`` entry, then by path.

    Raises
    ------
    TrackingError
        When ``path`` is not a folder or holds no journal.
    """
    root = Path(path)
    if (root / JOURNAL).is_file():
        return [root]
    if not root.is_dir():
        raise TrackingError(f"{root}: no such folder")
    found = [p.parent for p in root.rglob(JOURNAL)]
    if not found:
        raise TrackingError(f"{root}: no offline tracking journal ({JOURNAL}) in it")

    def started(folder: Path) -> int:
        with open(folder / JOURNAL, encoding="utf-8") as fh:
            try:
                return int(json.loads(fh.readline()).get("time", 0))
            except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
                return 0

    return sorted(found, key=lambda p: (started(p), str(p)))


def _writer_alive(record: Record, stale_after_s: float) -> bool:
    """Whether the process writing an unended journal may still be at it: alive on this host, or on
    another host (a shared folder) with an entry younger than ``stale_after_s`` seconds."""
    tags = record.start.get("identity", {})
    pid = tags.get(liveness.PID_TAG, "")
    state = "unknown"
    if pid.isdigit():
        state = liveness.process_state(
            tags.get(liveness.HOST_TAG, ""), int(pid), tags.get(liveness.PROCESS_START_TAG, "")
        )
    if state != "unknown":
        return state == "alive"
    last = (record.entries[-1] if record.entries else record.start)["time"] / 1000
    return time.time() - last < stale_after_s


def _find_by_offline_id(client: mlflow.MlflowClient, offline_id: str, experiment_ids: list[str] | None = None):
    ids = experiment_ids or [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(ids, filter_string=f"tags.`{OFFLINE_ID_TAG}` = '{offline_id}'")


def _target_run(client: mlflow.MlflowClient, record: Record, id_map: dict[str, str], say) -> tuple[str, str]:
    """(run id, experiment id) on the server to replay ``record`` into."""
    server_id = record.start.get("server_run_id")
    if server_id:
        try:
            run = client.get_run(server_id)
            return run.info.run_id, run.info.experiment_id
        except STORE_ERRORS as exc:
            if not is_refusal(exc):
                raise
            say(
                f"{record.folder}: run {server_id} is not on this server; replaying into a new run "
                "(it holds only what was logged after the server was lost)"
            )
    exp_id = get_or_create_experiment(client, record.start.get("experiment") or "seizure")
    for stale in _find_by_offline_id(client, record.offline_id, [exp_id]):  # a sync that stopped half-way
        client.delete_run(stale.info.run_id)
    tags = dict(record.start.get("context_tags") or {})
    tags[OFFLINE_ID_TAG] = record.offline_id
    parent = record.start.get("parent_run_id")
    if parent:
        mapped = id_map.get(parent) or next((r.info.run_id for r in _find_by_offline_id(client, parent)), None)
        if mapped is None:
            try:
                mapped = client.get_run(parent).info.run_id
            except STORE_ERRORS as exc:
                if not is_refusal(exc):
                    raise
                say(
                    f"{record.folder}: parent run {parent} is neither on the server nor synced; "
                    "tagged seizure.offline_parent instead"
                )
        if mapped:
            tags["mlflow.parentRunId"] = mapped
        else:
            tags["seizure.offline_parent"] = parent
    run = client.create_run(exp_id, start_time=record.start["time"], tags=tags, run_name=record.start.get("run_name"))
    return run.info.run_id, exp_id


def _replay(client: mlflow.MlflowClient, uri: str, run_id: str, experiment_id: str, record: Record) -> int:
    n = 0
    for e in record.entries:
        kind = e["kind"]
        if kind == "params":
            items = [Param(k, str(v)) for k, v in e["params"].items()]
            for i in range(0, len(items), 100):
                client.log_batch(run_id, params=items[i : i + 100])
        elif kind == "tags":
            items = [RunTag(k, str(v)) for k, v in e["tags"].items()]
            for i in range(0, len(items), 100):
                client.log_batch(run_id, tags=items[i : i + 100])
        elif kind == "metrics":
            client.log_batch(
                run_id,
                metrics=[Metric(k, float(v), int(e["time"]), int(e.get("step") or 0)) for k, v in e["metrics"].items()],
            )
        elif kind == "artifact":
            local = record.folder / e["path"]
            if local.is_dir():
                sub = "/".join(p for p in (e.get("artifact_path"), local.name) if p)
                client.log_artifacts(run_id, str(local), sub)
            else:
                client.log_artifact(run_id, str(local), e.get("artifact_path"))
        elif kind == "model":
            net, example = load_saved_model(record.folder / e["path"])
            log_torch_model(uri, run_id, experiment_id, net, example, e.get("registered_name") or "")
        n += 1
    return n


def sync(
    path: str | os.PathLike, uri: str = "", say=print, stale_after_s: float = liveness.STALE_AFTER_S
) -> list[dict]:
    """Replay every offline record at or under ``path`` into a tracking store.

    Parameters
    ----------
    path : path-like
        A record folder (holding ``journal.jsonl``) or a folder searched for them.
    uri : str
        Tracking URI to replay into; default: each record's own (the server it could not reach).
    say : callable
        Receives one line per record.
    stale_after_s : float
        A record without an end whose writer cannot be checked (another host) is taken as dead, and
        synced as KILLED, when its last entry is older than this (seconds); else it is left alone.

    Returns
    -------
    list of dict
        One per record: ``folder``, ``offline_id``, ``run_id`` (on the server, '' when skipped),
        ``status`` and ``action`` (``synced``, ``already synced`` or ``still running``).

    Raises
    ------
    TrackingError
        For a path without records, a damaged journal, or a store that fails or refuses (the records
        not synced yet stay for a later sync).
    """
    id_map: dict[str, str] = {}
    out = []
    for folder in find_journals(path):
        record = read_journal(folder)
        row = {"folder": str(folder), "offline_id": record.offline_id, "run_id": "", "status": "", "action": ""}
        done = record.synced()
        if done:
            id_map[record.offline_id] = done["run_id"]
            row.update(run_id=done["run_id"], status=done.get("status", ""), action="already synced")
            say(f"{folder}: already synced to run {done['run_id']} at {done.get('uri')}")
            out.append(row)
            continue
        end = record.end
        if end is None and _writer_alive(record, stale_after_s):
            row["action"] = "still running"
            ident = record.start.get("identity", {})
            say(
                f"{folder}: still being written by pid {ident.get(liveness.PID_TAG)} on "
                f"{ident.get(liveness.HOST_TAG)}; sync it when the run ends"
            )
            out.append(row)
            continue
        target = resolve_uri(uri or record.start.get("uri") or "")
        with store_errors(target, f"syncing {folder} (kept for a later sync)"):
            row.update(_sync_one(record, target, id_map, say))
        out.append(row)
    return out


def _sync_one(record: Record, target: str, id_map: dict[str, str], say) -> dict:
    folder, end = record.folder, record.end
    client = connect(target)
    run_id, experiment_id = _target_run(client, record, id_map, say)
    id_map[record.offline_id] = run_id
    n = _replay(client, target, run_id, experiment_id, record)
    if end is not None:
        status, end_time = end["status"], int(end["time"])
    else:
        ident = record.start.get("identity", {})
        last = record.entries[-1]["time"] if record.entries else record.start["time"]
        reason = (
            f"the process recording offline (pid {ident.get(liveness.PID_TAG)} on "
            f"{ident.get(liveness.HOST_TAG)}) died; ended by sync at {liveness.now_iso()}"
        )
        client.set_tag(run_id, liveness.END_REASON_TAG, reason)
        client.set_tag(run_id, "end_status", "KILLED")
        status, end_time = "KILLED", int(last)
    client.set_tag(run_id, "seizure.synced_from", str(folder))
    client.set_terminated(run_id, status, end_time=end_time)
    (folder / SYNCED).write_text(
        json.dumps(
            {"run_id": run_id, "uri": target, "status": status, "entries": n, "time": liveness.now_iso()}, indent=1
        )
    )
    say(f"{folder}: {n} entries synced to run {run_id} ({status}) at {target}")
    return {"run_id": run_id, "status": status, "action": "synced"}


def context_tags() -> dict[str, str]:
    """MLflow's tags for a run started here (user, source, git commit), as ``mlflow.start_run`` sets."""
    return {k: str(v) for k, v in context_registry.resolve_tags({}).items()}
