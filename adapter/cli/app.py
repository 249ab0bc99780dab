"""The typer application every command module registers on."""

from __future__ import annotations

import os
from typing import Annotated

import typer

DEBUG_ENV = "ADAPTER_DEBUG"

app = typer.Typer(
    name="adapter",
    help=(
        "Case-management <-> FHIR R4 adapter: map cases to EpisodeOfCare, CarePlan, Goal and Task, "
        "and keep FHIR servers in sync."
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help=f"Show the traceback of an unexpected error (or set {DEBUG_ENV}=1)."
        ),
    ] = False,
) -> None:
    """Case-management <-> FHIR R4 adapter.

    A callback keeps ``adapter <command>`` a command group even while only one command exists.
    """
    if debug:
        os.environ[DEBUG_ENV] = "1"


def debugging() -> bool:
    """True when ``--debug`` was given or ``ADAPTER_DEBUG`` is set to a true value."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")
