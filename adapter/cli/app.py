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
