"""The command layer: every ``intercoder`` command, registered like a plugin's commands.

Each module holds one command (or group) and only parses options and prints; the work is done by
library functions below this layer. This package is one of the default plugins
(:data:`intercoder.plugins.DEFAULT_PLUGINS`): its ``register_commands`` adds the built-in commands
through the same hook third-party plugins use. Importing the package loads neither click nor any
command module; they load when the command line asks for its commands, so loading a codebook or
computing agreement in a notebook never imports click.

Layers: ``intercoder.cli`` (the group and ``main``) sits above this package and nothing imports
it; this package may import every layer below (report, gate, studio, reliability, formats, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add the built-in commands (module-level objects: the same ones on every call)."""
    from .adjudicate import adjudicate_command
    from .agree import agree
    from .certify import certify_command
    from .check import check_command
    from .code import code_command
    from .codebook import codebook
    from .demo import demo
    from .export import export_command
    from .plan import plan_command
    from .plugins import plugins_command
    from .report import report
    from .rounds import rounds
    from .studio import studio
    from .validate_coder import validate_coder_command

    for command in (
        codebook,
        agree,
        plugins_command,
        export_command,
        code_command,
        demo,
        studio,
        check_command,
        report,
        plan_command,
        adjudicate_command,
        certify_command,
        validate_coder_command,
        rounds,
    ):
        cli.add_command(command)
