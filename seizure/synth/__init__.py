"""Synthetic TUSZ-like EEG corpus (placeholder, replaced below)."""
