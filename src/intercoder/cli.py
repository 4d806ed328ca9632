"""The ``intercoder`` command line: the top-level group and ``main``, the console script.

This is the top layer: nothing in the package imports it. The commands themselves live in
:mod:`intercoder.commands` and reach the group through the ``register_commands`` hook, the same
way third-party commands do; the group asks the plugin host for them once per host, when it is
first listed or invoked.

Exit codes (public contract): 0 ok, 1 a check failed or the input content is invalid, 2 a usage
error. Bad input is reported in one line per problem, never with a traceback. Heavy modules are
imported inside the commands, so ``intercoder --help`` starts fast.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ._version import __version__
from .commands.options import EXIT_FAILED, EXIT_OK, EXIT_USAGE, MAX_SHOWN
from .errors import IntercoderError, ProblemsError

if TYPE_CHECKING:
    from .plugins import Host


class PluginCommandGroup(click.Group):
    """A group whose commands come from the plugins' ``register_commands`` hooks.

    The built-in commands arrive first (their plugin is registered before any third-party
    one), so a plugin cannot replace them; a plugin that tries is named in a warning. The
    commands are collected once per plugin host: calling ``main`` again in the same process
    reuses them instead of registering every command a second time.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._host: Host | None = None

    def load_plugin_commands(self, strict: bool = False) -> None:
        """Ask every plugin for its commands, unless this host already gave them."""
        from .plugins import get_host

        host = get_host(strict)
        if host is self._host:
            return
        self._host = host
        self.commands.clear()
        for impl in host.pm.hook.register_commands.get_hookimpls():
            before = dict(self.commands)
            host.call("register_commands", impl.plugin_name, impl.function, cli=self)
            for name, command in before.items():
                if self.commands.get(name) is not command:
                    self.commands[name] = command
                    host.report(
                        f"plugin {impl.plugin_name!r} tried to replace the command "
                        f"{name!r}; kept the original"
                    )

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self.load_plugin_commands()
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=PluginCommandGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="intercoder")
@click.option(
    "--strict-plugins",
    is_flag=True,
    help="Fail (exit 1) when a plugin cannot be loaded, instead of warning and skipping it.",
)
def cli(strict_plugins: bool) -> None:
    """Codebooks, automatic coders, Label Studio sync and inter-coder reliability."""


def _fail(message: str) -> NoReturn:
    click.echo(f"intercoder: error: {message}", err=True)
    sys.exit(EXIT_FAILED)


class Terminated(BaseException):
    """SIGTERM (``kill``, ``timeout``, a batch scheduler ending a job), raised where the
    command is, so that ``with`` blocks and ``finally`` clean up as after Ctrl-C. A
    BaseException, as KeyboardInterrupt is: an ``except Exception`` must not swallow it."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: user errors become one line on stderr and exit 1."""
    args = sys.argv[1:] if argv is None else argv
    # Python ends at SIGTERM without unwinding: temporary directories would be left behind.
    # Only where no one else has set a handler (a program calling main() keeps its own).
    if (
        signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        and threading.current_thread() is threading.main_thread()
    ):
        signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.load_plugin_commands(strict="--strict-plugins" in args)
        cli.main(args=args, prog_name="intercoder", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("intercoder: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except Terminated:
        click.echo("intercoder: terminated", err=True)
        sys.exit(128 + signal.SIGTERM)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except ProblemsError as exc:
        for diagnostic in exc.diagnostics[:MAX_SHOWN]:
            click.echo(str(diagnostic), err=True)
        if len(exc.diagnostics) > MAX_SHOWN:
            click.echo(f"... and {len(exc.diagnostics) - MAX_SHOWN} more", err=True)
        if exc.hint:
            _fail(f"{len(exc.diagnostics)} problem(s); {exc.hint}")
        sys.exit(EXIT_FAILED)
    except IntercoderError as exc:
        _fail(str(exc))
    except MemoryError:  # never a traceback: say what to do
        from .rows import TOO_BIG_ADVICE

        _fail(f"out of memory: the input is too big for this machine; {TOO_BIG_ADVICE}")
    except BrokenPipeError:  # `intercoder ... | head`
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except OSError as exc:
        name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _fail(f"{name}{exc.strerror or exc}")
    sys.exit(EXIT_OK)
