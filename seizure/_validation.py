"""The package's error base and its argument checks.

Every error that the library raises for bad input (a damaged file, a bad annotation, a bad
configuration value) is a :class:`SeizureError`. Batch code catches that class, and only that
class, to list a recording as excluded; anything else (``OSError`` for a full disk, a bug) stops
the batch. The domain errors also derive from ``ValueError`` so that callers that catch
``ValueError`` keep working.
"""

from __future__ import annotations

__all__ = ["SeizureError"]


class SeizureError(ValueError):
    """Base of every input error raised by :mod:`seizure` (bad file, field or value)."""
