"""One module per ``seizure`` subcommand; each has ``register(subparsers)``.

To add a command, write ``pipelines/commands/<name>.py`` with ``register`` and list it below.
"""

from pipelines.commands import demo, prepare, score, synth, train

COMMANDS = [synth, prepare, train, demo, score]
