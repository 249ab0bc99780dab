"""The optional TOML configuration file, with named servers, as pydantic-settings sources.

``adapter.toml`` in the working directory, or the file ``ADAPTER_CONFIG`` names. Its top level
holds settings by their field names (``ledger_url = "..."``, ``[fhir_retry]``); each
``[servers.<name>]`` table holds the settings for one server, chosen with ``--server-name`` (or
``ADAPTER_SERVER_NAME``). Priority, highest first: command-line flags, the environment, a named
env file, the chosen server's table, the file's top level, the defaults. Secrets belong in the
environment; the file is for what may be committed.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, TomlConfigSettingsSource

from adapter.errors import ConfigError

__all__ = [
    "CONFIG_VARIABLE",
    "DEFAULT_CONFIG",
    "SERVER_NAME_VARIABLE",
    "SWITCHES",
    "config_path",
    "env_names",
    "file_sources",
    "warn_unknown_variables",
]

log = logging.getLogger("adapter.settings")

CONFIG_VARIABLE: Final = "ADAPTER_CONFIG"
SERVER_NAME_VARIABLE: Final = "ADAPTER_SERVER_NAME"
DEFAULT_CONFIG: Final = "adapter.toml"


def config_path() -> Path | None:
    """The configuration file in use: the named one (which must exist), else ``adapter.toml``
    in the working directory if there is one."""
    named = os.environ.get(CONFIG_VARIABLE, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigError(f"{CONFIG_VARIABLE}: no such file: {named}")
        return path
    default = Path(DEFAULT_CONFIG)
    return default if default.is_file() else None


def file_sources(settings_cls: type[BaseSettings]) -> tuple[PydanticBaseSettingsSource, ...]:
    """The chosen server's table and the file's top level, in that order of priority: two
    pydantic-settings ``TomlConfigSettingsSource``s on the same file (the first one with the
    table header ``("servers", name)``)."""
    name = os.environ.get(SERVER_NAME_VARIABLE, "").strip() or None
    path = config_path()
    if path is None:
        if name is not None:
            raise ConfigError(f"--server-name {name}: no configuration file ({DEFAULT_CONFIG})")
        return ()
    top = _source(settings_cls, path, ())
    servers = top.toml_data.get("servers", {})
    if not isinstance(servers, dict):
        raise ConfigError(f"{path}: [servers] must be a table of named servers")
    _warn_unknown(path, {k: v for k, v in top.toml_data.items() if k != "servers"}, settings_cls)
    if name is None:
        return (top,)
    if not isinstance(servers.get(name), dict):
        known = ", ".join(sorted(servers)) or "none"
        raise ConfigError(f"{path}: no server named {name!r} (known: {known})")
    chosen = _source(settings_cls, path, ("servers", name))
    _warn_unknown(path, chosen.toml_data, settings_cls, table_name=f"servers.{name}")
    return chosen, top


def _source(
    settings_cls: type[BaseSettings], path: Path, header: tuple[str, ...]
) -> TomlConfigSettingsSource:
    try:
        return TomlConfigSettingsSource(settings_cls, toml_file=path, toml_table_header=header)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not TOML ({exc})") from None


def _warn_unknown(
    path: Path, table: dict[str, Any], settings_cls: type[BaseSettings], *, table_name: str = ""
) -> None:
    unknown = sorted(set(table) - set(settings_cls.model_fields))
    if unknown:
        where = f" [{table_name}]" if table_name else ""
        log.warning("%s%s: unknown settings ignored: %s", path, where, ", ".join(unknown))


#: ``ADAPTER_*`` variables that are not settings but are read before them.
SWITCHES: Final = frozenset(
    {"ADAPTER_ENV_FILE", "ADAPTER_DEBUG", CONFIG_VARIABLE, SERVER_NAME_VARIABLE}
)
_warned: set[str] = set()


def warn_unknown_variables(settings_cls: type[BaseSettings]) -> None:
    """One warning per ``ADAPTER_*`` variable that no setting reads (once per process): a typo
    such as ``ADAPTER_FHIR_BASEURL`` would otherwise be ignored without a word. The test
    suite's own ``ADAPTER_TEST_*`` variables are not settings and not warned about."""
    known = set(env_names(settings_cls)) | SWITCHES
    for name in sorted(os.environ):
        ours = name.startswith("ADAPTER_") and not name.startswith("ADAPTER_TEST_")
        if ours and name not in known and name not in _warned:
            _warned.add(name)
            log.warning("unknown setting %s ignored (see docs/settings.md)", name)


def env_names(model: type[BaseModel], prefix: str = "ADAPTER_") -> list[str]:
    """Every environment variable a settings model reads (nested groups with ``__``)."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names
