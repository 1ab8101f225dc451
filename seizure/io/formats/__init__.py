"""Annotation file formats, one module per family; each depends only on :mod:`seizure.io.events`.

- :mod:`seizure.io.formats.csv`: TUSZ v2.0.x ``.csv`` (per channel) and ``.csv_bi`` (recording level).
- :mod:`seizure.io.formats.tuh_v1`: TUSZ v1.x ``.tse`` / ``.tse_bi`` and ``.lbl`` / ``.lbl_bi``.
- :mod:`seizure.io.formats.bids`: BIDS (SzCORE) ``*_events.tsv``.

:mod:`seizure.io.annotations` chooses the format from the file name.
"""
