"""``python -m intercoder`` runs the command-line interface."""

from .cli import main

main()
