"""One module per ``seizure`` subcommand; each has ``register(subparsers)``.

To add a command, write ``pipelines/commands/<name>.py`` (package ``seizure_app.commands``) with ``register`` and list it below.
"""

from seizure_app.commands import demo, detect, evaluate, prepare, report, runs, score, sweep, synth, train

COMMANDS = [synth, prepare, train, evaluate, sweep, runs, demo, score, detect, report]
