"""The application: stage functions and the ``seizure`` command (depends on ``seizure``, never the reverse)."""
