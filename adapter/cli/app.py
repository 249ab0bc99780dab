"""The typer application every command module registers on."""

from __future__ import annotations

import typer

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
def _root() -> None:
    """Case-management <-> FHIR R4 adapter.

    A callback keeps ``adapter <command>`` a command group even while only one command exists.
    """
