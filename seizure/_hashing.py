"""Stable short hashes of JSON-able settings (cache keys, configuration identity)."""

from __future__ import annotations

import hashlib
import json

__all__ = ["config_hash"]


def config_hash(d: dict) -> str:
    """Short stable hash of a (sub)configuration.

    Parameters
    ----------
    d : dict
        JSON-serializable settings; key order does not matter.

    Returns
    -------
    str
        The first 12 hexadecimal digits of the SHA-1 of the sorted JSON.
    """
    return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:12]
