"""The typer application every command module registers on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from adapter.config_file import CONFIG_VARIABLE, DEFAULT_CONFIG, SERVER_NAME_VARIABLE
from adapter.errors import ConfigError
from adapter.logs import configure_logging
from adapter.settings import ENV_FILE_VARIABLE, load_settings

DEBUG_ENV = "ADAPTER_DEBUG"

app = typer.Typer(
    name="adapter",
    help=(
        "Case-management <-> FHIR R4 adapter: map cases to EpisodeOfCare, CarePlan, Goal and Task, "
        "and keep FHIR servers in sync."
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from adapter import __version__

        typer.echo(f"cm-fhir-adapter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help=f"Show the traceback of an unexpected error (or set {DEBUG_ENV}=1)."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the adapter's version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help=f"The TOML configuration file (or set {CONFIG_VARIABLE}; default: "
            f"{DEFAULT_CONFIG} in the working directory, if there is one).",
            show_default=False,
        ),
    ] = None,
    server_name: Annotated[
        str | None,
        typer.Option(
            "--server-name",
            help=f"Use the \\[servers.NAME] table of the configuration file (or set "
            f"{SERVER_NAME_VARIABLE}).",
            show_default=False,
        ),
    ] = None,
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            help=f"Read settings from this KEY=value file too (or set {ENV_FILE_VARIABLE}); "
            "the environment wins over it. No file is read unless named.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Case-management <-> FHIR R4 adapter.

    A callback keeps ``adapter <command>`` a command group even while only one command exists.
    """
    if debug:
        os.environ[DEBUG_ENV] = "1"
    for variable, value in (
        (ENV_FILE_VARIABLE, env_file),
        (CONFIG_VARIABLE, config),
        (SERVER_NAME_VARIABLE, server_name),
    ):
        if value is not None:
            os.environ[variable] = str(value)
    try:
        settings = load_settings()
    except ConfigError:  # the command reports it, with its own exit code
        configure_logging()
        return
    configure_logging(settings.log_level, settings.log_format)


def debugging() -> bool:
    """True when ``--debug`` was given or ``ADAPTER_DEBUG`` is set to a true value."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")
