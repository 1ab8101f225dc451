"""The ``seizure`` command: parses arguments and dispatches to ``seizure_app.commands``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from seizure.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    from seizure import __version__
    from seizure_app.commands import COMMANDS

    p = argparse.ArgumentParser(prog="seizure", description="Seizure detection in scalp EEG (TUSZ format).")
    p.add_argument("--version", action="version", version=f"seizure {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # overrides given after an option (`--config f.yaml model.rnn=gru`) land in `extra`
    if extra and hasattr(args, "overrides") and all("=" in e and not e.startswith("-") for e in extra):
        args.overrides = list(args.overrides) + extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def describe_os_error(exc: OSError) -> str:
    """One line for an I/O fault: the path, what happened, and for a fault of the machine (full disk,
    read-only file system, I/O error) that nothing of the data is to blame."""
    from seizure.storage import DISK_ERRNOS, free_bytes

    if exc.errno is None:  # raised with a message only
        return str(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    text = f"{where}{exc.strerror or exc}"
    if exc.errno in DISK_ERRNOS:
        free = free_bytes(exc.filename) if exc.filename else None
        extra = f"; {free / 2**20:,.1f} MiB free there" if free is not None and "free" not in text else ""
        text += f"{extra} (a fault of the machine, not of the recordings: the command stopped; free space or "
        text += "choose another folder, then run it again)"
    return text


if __name__ == "__main__":
    sys.exit(main())
