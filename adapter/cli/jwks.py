"""``adapter jwks``: the public key to register for SMART Backend Services, as a JWKS."""

from __future__ import annotations

import json

import typer

from adapter.cli.app import app
from adapter.cli.failures import EXIT_CONFIG, fail
from adapter.errors import ConfigError
from adapter.fhir.jwks import public_jwks
from adapter.settings import load_settings


@app.command()
def jwks() -> None:
    """Print the public JWKS of ADAPTER_FHIR_AUTH__PRIVATE_KEY (with its kid and algorithm),
    to register with the EHR's authorization server. Nothing private is printed."""
    try:
        auth = load_settings().fhir_auth
        if auth.private_key is None:
            raise ConfigError("ADAPTER_FHIR_AUTH__PRIVATE_KEY is not set")
        published = public_jwks(
            auth.private_key.get_secret_value(), algorithm=auth.algorithm, key_id=auth.key_id
        )
    except ConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    typer.echo(json.dumps(published, indent=2))
