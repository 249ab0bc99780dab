"""Command-line interface: ``adapter --help``.

Each command lives in its own module and registers itself on :data:`adapter.cli.app.app`;
importing them here is what makes them part of the CLI.
"""

from __future__ import annotations

from adapter.cli import (
    demo,  # noqa: F401  (registers the command)
    dlq,  # noqa: F401  (registers the command)
    explain,  # noqa: F401  (registers the command)
    generate,  # noqa: F401  (registers the command)
    importer,  # noqa: F401  (registers the command)
    map,  # noqa: F401  (registers the command)
    ping,  # noqa: F401  (registers the command)
    pull,  # noqa: F401  (registers the command)
    push,  # noqa: F401  (registers the command)
    sandbox,  # noqa: F401  (registers the command)
    schema,  # noqa: F401  (registers the command)
    serve,  # noqa: F401  (registers the command)
    status,  # noqa: F401  (registers the command)
    verify,  # noqa: F401  (registers the command)
)
from adapter.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
