"""Command-line interface: ``adapter --help``.

Each command lives in its own module and registers itself on :data:`adapter.cli.app.app`;
importing them here is what makes them part of the CLI.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

from adapter.cli import (
    cases,  # noqa: F401  (registers the command)
    conflicts,  # noqa: F401  (registers the command)
    conformance,  # noqa: F401  (registers the command)
    demo,  # noqa: F401  (registers the command)
    dlq,  # noqa: F401  (registers the command)
    document,  # noqa: F401  (registers the command)
    explain,  # noqa: F401  (registers the command)
    generate,  # noqa: F401  (registers the command)
    importer,  # noqa: F401  (registers the command)
    jwks,  # noqa: F401  (registers the command)
    map,  # noqa: F401  (registers the command)
    ping,  # noqa: F401  (registers the command)
    pull,  # noqa: F401  (registers the command)
    push,  # noqa: F401  (registers the command)
    referrals,  # noqa: F401  (registers the command)
    report,  # noqa: F401  (registers the command)
    sandbox,  # noqa: F401  (registers the command)
    schema,  # noqa: F401  (registers the command)
    serve,  # noqa: F401  (registers the command)
    status,  # noqa: F401  (registers the command)
    verify,  # noqa: F401  (registers the command)
)
from adapter.cli.app import app, debugging
from adapter.cli.failures import EXIT_FAILED, last_resort

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point. An error no command handled is one line on stderr and exit
    1; ``--debug`` (or ``ADAPTER_DEBUG=1``) lets it through with its traceback."""
    try:
        app()
    except Exception as exc:
        if debugging():
            raise
        Console(stderr=True, soft_wrap=True).print(
            f"[red]error:[/red] {escape(last_resort(exc))}", highlight=False
        )
        sys.exit(EXIT_FAILED)
