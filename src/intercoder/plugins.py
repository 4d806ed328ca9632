"""The plugin manager: built-in and third-party plugins, loaded the same way, failing softly.

* Built-in features are plugins too, listed once in :data:`DEFAULT_PLUGINS` and registered
  exactly like third-party plugins (which come from the ``intercoder`` entry-point group).
* ``INTERCODER_LOAD_PLUGINS``: a comma-separated list of distributions whose plugins to load;
  empty loads no third-party plugin; unset loads them all.
* ``INTERCODER_TRACE_PLUGINS=1`` prints every hook call and its result to stderr.
* A plugin that fails to import, has a misspelt hook, or raises inside a hook is named with its
  error in a one-line warning on stderr and skipped: ``intercoder --help`` and every other
  command keep working. In strict mode (``--strict-plugins``) that is an error instead.
* Registries (coders, importers, exporters) hand each plugin a ``register`` callback, so the
  host checks names and reports collisions with the plugin that caused them. Each registry is
  collected once per host and kept, so a collision is reported once.

This module sits below the commands: it imports plugin modules by name, never click or a
command module, so loading a codebook or reading a format in a notebook stays light.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .errors import IntercoderError
from .extensions import Coder, Exporter, Importer, check_name

ENTRY_POINT_GROUP = "intercoder"
LOAD_ENV = "INTERCODER_LOAD_PLUGINS"
TRACE_ENV = "INTERCODER_TRACE_PLUGINS"

#: The built-in plugins, registered in this order before any third-party plugin (so a
#: third-party plugin cannot take a built-in name). ``intercoder.commands`` imports no command
#: module until the command line asks for its commands.
DEFAULT_PLUGINS = (
    "intercoder.coders",
    "intercoder.formats.long",
    "intercoder.formats.tabular",
    "intercoder.formats.labelstudio",
    "intercoder.formats.qdpx",
    "intercoder.commands",
)


class PluginError(IntercoderError):
    """A plugin could not be loaded or misbehaved (raised in strict mode only)."""


# dataclasses, not attrs: this module loads on every CLI start (plugins may add commands).
@dataclass
class PluginInfo:
    """What ``intercoder plugins`` shows for one plugin."""

    name: str
    version: str | None
    hooks: list[str]
    builtin: bool
    distribution: str | None = None
    #: What the plugin registered, by kind ("coders", "importers", "exporters"): the names
    #: ``code --coder``, the file endings and ``export --to`` take.
    provides: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Host:
    """A loaded plugin manager with the problems met while loading."""

    pm: pluggy.PluginManager
    strict: bool
    tracing: bool = False
    problems: list[str] = field(default_factory=list)
    infos: dict[str, PluginInfo] = field(default_factory=dict)
    #: Registries already collected, by hook name: each hook is called once per host.
    _registries: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def report(self, message: str) -> None:
        """A plugin problem: an error in strict mode, else a one-line warning on stderr."""
        if self.strict:
            raise PluginError(message)
        self.problems.append(message)
        print(f"intercoder: warning: {message}", file=sys.stderr)

    def call(
        self, hook_name: str, plugin: str, function: Callable[..., Any], **kwargs: Any
    ) -> None:
        """Call one plugin's implementation of a hook, traced, with its failures reported.

        Hooks are called plugin by plugin (not through ``pm.hook``) so that a failure or a
        collision can be attributed to the plugin that caused it.
        """
        if self.tracing:
            print(f"{hook_name} [hook] plugin={plugin} {sorted(kwargs)}", file=sys.stderr)
        try:
            function(**kwargs)
        except Exception as exc:  # a broken plugin must not break the host
            self.report(f"plugin {plugin!r} failed in {hook_name}: {type(exc).__name__}: {exc}")
            return
        if self.tracing:
            print(f"{hook_name} [finish] plugin={plugin}", file=sys.stderr)

    def _collect(self, hook_name: str, kind: str, validate: Callable[[Any], str]) -> dict[str, Any]:
        """Call a ``register_*`` hook plugin by plugin, once per host; keep the first of a name.

        The result is kept: registering is not free (plugins build objects) and a collision
        should be reported once, not at every look-up.
        """
        if hook_name in self._registries:
            return self._registries[hook_name]
        found: dict[str, Any] = {}
        owners: dict[str, str] = {}
        hook = getattr(self.pm.hook, hook_name)
        # get_hookimpls() lists implementations in registration order (pluggy would *call*
        # them last-first): built-ins come first, so they win over a plugin reusing a name.
        for impl in hook.get_hookimpls():
            plugin = impl.plugin_name

            def register(item: Any, plugin: str = plugin) -> None:
                try:
                    name = validate(item)
                except (TypeError, ValueError, AttributeError) as exc:
                    self.report(f"plugin {plugin!r} registered a bad {kind}: {exc}")
                    return
                if name in found:
                    self.report(
                        f"plugin {plugin!r} registered {kind} {name!r}, which plugin "
                        f"{owners[name]!r} already provides; keeping the first"
                    )
                    return
                found[name] = item
                owners[name] = plugin
                info = self.infos.get(plugin)
                if info is not None:
                    info.provides.setdefault(hook_name.removeprefix("register_"), []).append(name)

            self.call(hook_name, plugin, impl.function, register=register)
        self._registries[hook_name] = found
        return found

    def collect_all(self) -> None:
        """Collect every registry (``intercoder plugins`` shows what each plugin provides)."""
        self.coders()
        self.importers()
        self.exporters()

    def coders(self) -> dict[str, Coder]:
        return self._collect("register_coders", "coder", _validator(Coder, "coder"))

    def importers(self) -> dict[str, Importer]:
        return self._collect("register_importers", "importer", _validator(Importer, "importer"))

    def exporters(self) -> dict[str, Exporter]:
        return self._collect("register_exporters", "exporter", _validator(Exporter, "exporter"))

    def codebook_directories(self) -> list[Path]:
        def validate(path: Any) -> str:
            if not isinstance(path, str | os.PathLike) or not Path(path).is_dir():
                raise ValueError(f"{path!r} is not a directory")
            return str(Path(path).resolve())

        return [
            Path(p) for p in self._collect("register_codebooks", "codebook directory", validate)
        ]


def _validator(base: type[Any], kind: str) -> Callable[[Any], str]:
    def validate(item: Any) -> str:
        if not isinstance(item, base):
            raise TypeError(f"{item!r} is not an intercoder.extensions.{base.__name__}")
        return check_name(kind, getattr(item, "name", None))

    return validate


def _allowed_distributions() -> set[str] | None:
    raw = os.environ.get(LOAD_ENV)
    if raw is None:
        return None
    return {_canonical(name) for name in raw.split(",") if name.strip()}


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _check_hooks(host: Host, name: str, module: Any) -> bool:
    """Refuse a plugin whose hook-like functions do not match a hook spec (a misspelling)."""
    known = [n for n in dir(hookspecs) if n.startswith("register_")]
    for attribute in dir(module):
        function = getattr(module, attribute, None)
        if not callable(function) or not hasattr(function, f"{hookspecs.PROJECT}_impl"):
            continue
        if attribute not in known:
            close = difflib.get_close_matches(attribute, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            host.report(f"plugin {name!r} implements unknown hook {attribute!r}{hint}; skipped")
            return False
    return True


def _register(host: Host, name: str, module: Any, info: PluginInfo) -> None:
    if not _check_hooks(host, name, module):
        return
    try:
        host.pm.register(module, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        host.report(f"plugin {name!r} is invalid: {exc}; skipped")
        return
    info.hooks = sorted(impl for impl in _hook_names(host.pm, module))
    host.infos[name] = info


def _hook_names(pm: pluggy.PluginManager, module: Any) -> list[str]:
    return [caller.name for caller in pm.get_hookcallers(module) or []]


def load(strict: bool = False) -> Host:
    """A fresh plugin manager with the built-ins and the allowed third-party plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    host = Host(pm, strict)
    from ._version import __version__

    for module_name in DEFAULT_PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # a broken built-in is a bug, but must not take the CLI down
            host.report(
                f"built-in plugin {module_name!r} failed to load: "
                f"{type(exc).__name__}: {exc}; skipped"
            )
            continue
        _register(host, module_name, module, PluginInfo(module_name, __version__, [], True))

    allowed = _allowed_distributions()
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        dist_name = dist.metadata["Name"] if dist is not None else entry_point.name
        if allowed is not None and _canonical(dist_name) not in allowed:
            continue
        try:
            module = entry_point.load()
        except Exception as exc:  # any import-time failure of a plugin
            host.report(
                f"plugin {entry_point.name!r} ({dist_name}) failed to load: "
                f"{type(exc).__name__}: {exc}; skipped"
            )
            continue
        version = dist.version if dist is not None else None
        info = PluginInfo(entry_point.name, version, [], False, dist_name)
        _register(host, entry_point.name, module, info)

    host.tracing = os.environ.get(TRACE_ENV, "") not in ("", "0")
    return host


_host: Host | None = None


def get_host(strict: bool = False) -> Host:
    """The process-wide plugin host (loaded on first use)."""
    global _host
    if _host is None or (strict and not _host.strict):
        _host = load(strict)
    return _host


def reset() -> None:
    """Forget the loaded plugins (tests, and after changing INTERCODER_LOAD_PLUGINS)."""
    global _host
    _host = None
