"""Is the process behind a RUNNING run still alive?

While a run is active its tracker tags it with the process that writes it (:data:`HOST_TAG`,
:data:`PID_TAG`, :data:`PROCESS_START_TAG`) and refreshes :data:`HEARTBEAT_TAG` (UTC time, ISO 8601)
at most every :data:`HEARTBEAT_S` seconds. A RUNNING run is dead when

- it was started on this host and its process is gone (no such pid, a zombie, or the pid now belongs
  to a process started at another time), or
- its process cannot be checked (another host) and its last heartbeat is older than
  ``stale_after_s`` (default :data:`STALE_AFTER_S`).

A run on this host whose process is alive is alive whatever its heartbeat says (evaluation can run
long between heartbeats). A run without these tags (logged by an older version) is never called dead.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from pathlib import Path

__all__ = [
    "HOST_TAG",
    "PID_TAG",
    "PROCESS_START_TAG",
    "HEARTBEAT_TAG",
    "END_REASON_TAG",
    "ATTEMPT_TAG",
    "HEARTBEAT_S",
    "STALE_AFTER_S",
    "identity_tags",
    "now_iso",
    "parse_iso",
    "process_state",
    "death_reason",
    "is_known_alive",
    "format_age",
]

HOST_TAG = "seizure.host"
PID_TAG = "seizure.pid"
PROCESS_START_TAG = "seizure.process_start"
HEARTBEAT_TAG = "seizure.heartbeat"
END_REASON_TAG = "seizure.end_reason"
ATTEMPT_TAG = "seizure.attempt"

HEARTBEAT_S = 60.0  # a heartbeat is written at most this often (seconds)
STALE_AFTER_S = 3600.0  # a run on another host is dead after this long without a heartbeat (seconds)


def _process_start(pid: int) -> str:
    """``<boot id>:<start time in clock ticks>`` of a process (Linux), or '' where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return f"{boot}:{fields[19]}"  # field 22 of stat: starttime


def identity_tags() -> dict[str, str]:
    """Tags naming this process: host, pid and its start."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()), PROCESS_START_TAG: _process_start(os.getpid())}


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second (the format of :data:`HEARTBEAT_TAG`).

    Returns
    -------
    str
        For example ``2026-12-02T07:00:32+00:00``.
    """
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str) -> float | None:
    """Unix time of an ISO 8601 time, or None when it does not parse.

    Parameters
    ----------
    text : str
        An ISO 8601 date and time (as :func:`now_iso` writes it); one without a time zone is taken
        as UTC. Any other value (a non-string included) gives None.

    Returns
    -------
    float or None
        Seconds since 1970-01-01 UTC.
    """
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def format_age(seconds: float) -> str:
    """A duration for messages: ``"45 s"`` below 2 minutes, ``"17 min"`` below 2 hours, else ``"5.3 h"``.

    Parameters
    ----------
    seconds : float
        The duration, seconds.

    Returns
    -------
    str
        Whole seconds, whole minutes, or hours to one decimal.
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def process_state(host: str, pid: int, start: str = "") -> str:
    """Whether the process ``pid`` of ``host``, started at ``start``, still runs.

    Parameters
    ----------
    host : str
        Host name the process runs on (as ``socket.gethostname()`` gives it); only processes of
        this host can be checked.
    pid : int
        Its process id.
    start : str
        Its start as :data:`PROCESS_START_TAG` records it (``<boot id>:<start time in clock
        ticks>``); when given and readable here, a live pid with another start is a reused pid.
        '' skips that check.

    Returns
    -------
    str
        ``"alive"``; ``"gone"`` (no such pid, a zombie, or the pid reused by a later process);
        ``"unknown"`` for a process of another host.
    """
    if host != socket.gethostname():
        return "unknown"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        pass  # exists, owned by another user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat[stat.rindex(")") + 2 :].split()[0] == "Z":
            return "gone"  # killed, not yet reaped
    except OSError:
        pass
    if start and (now := _process_start(pid)) and now != start:
        return "gone"  # the pid was reused by a later process
    return "alive"


def death_reason(status: str, tags: dict, stale_after_s: float = STALE_AFTER_S, now: float | None = None) -> str:
    """Why a run is dead ('' when it is not RUNNING, is alive, or cannot be judged).

    Parameters
    ----------
    status : str
        The run's MLflow status (``RUNNING``, ``FINISHED``, ...); only a RUNNING run can be dead.
    tags : dict
        The run's tags; :data:`HOST_TAG`, :data:`PID_TAG`, :data:`PROCESS_START_TAG` and
        :data:`HEARTBEAT_TAG` are read.
    stale_after_s : float
        Heartbeat age (seconds) after which a run whose process cannot be checked (another host)
        is dead.
    now : float, optional
        The current time as Unix time (seconds), to judge the heartbeat age; default the clock.

    Returns
    -------
    str
        ``"pid N gone"`` for a process of this host that ended, ``"no heartbeat for <age>"``
        (with the pid and host when known) for a stale heartbeat, else ''.
    """
    if status != "RUNNING":
        return ""
    host, pid = tags.get(HOST_TAG, ""), tags.get(PID_TAG, "")
    if host and pid.isdigit():
        state = process_state(host, int(pid), tags.get(PROCESS_START_TAG, ""))
        if state == "gone":
            return f"pid {pid} gone"
        if state == "alive":
            return ""
    beat = parse_iso(tags.get(HEARTBEAT_TAG, ""))
    if beat is not None:
        age = (now if now is not None else datetime.now(timezone.utc).timestamp()) - beat
        if age > stale_after_s:
            return f"no heartbeat for {format_age(age)}" + (f" (pid {pid} on {host})" if host else "")
    return ""


def is_known_alive(status: str, tags: dict, stale_after_s: float = STALE_AFTER_S) -> bool:
    """True when a RUNNING run is certainly being written: its process is alive on this host, or on
    another host it sent a heartbeat within ``stale_after_s``.

    Parameters
    ----------
    status : str
        The run's MLflow status; any other than ``RUNNING`` gives False.
    tags : dict
        The run's tags (the liveness tags of this module).
    stale_after_s : float
        Heartbeat age (seconds) after which a run of another host is no longer taken as alive.

    Returns
    -------
    bool
        False also for a run that cannot be judged (no liveness tags).
    """
    if status != "RUNNING" or death_reason(status, tags, stale_after_s):
        return False
    host, pid = tags.get(HOST_TAG, ""), tags.get(PID_TAG, "")
    if host and pid.isdigit() and process_state(host, int(pid), tags.get(PROCESS_START_TAG, "")) == "alive":
        return True
    return parse_iso(tags.get(HEARTBEAT_TAG, "")) is not None and host != socket.gethostname()
