"""The YAML configurations shipped with the application (installed as ``seizure_app.configs``).

``train.yaml`` and ``demo.yaml`` are the defaults of their commands, ``model/`` holds network
configurations and ``experiments/`` the seed paper's studies. Any of them can be named by its path
in this folder (``--config model/golmohammadi2017.yaml``) whether the package runs from a source
checkout or from an installed wheel.
"""
