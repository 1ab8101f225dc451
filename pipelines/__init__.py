"""The application (installed as ``seizure_app``): stage functions and the ``seizure`` command.

It depends on the library ``seizure``, never the reverse."""
