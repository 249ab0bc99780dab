"""Token flows against a real authorization server (Keycloak) and a HAPI that checks the tokens
against its JWKS: client secret, SMART Backend Services (RS384/ES384 keys made here), scopes,
refresh before and after expiry, and a token endpoint that is down or refuses."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapter.errors import AccessDenied, TokenEndpointError
from adapter.fhir import FHIRClient, open_client
from adapter.fhir.auth import ClientCredentialsAuth
from adapter.fhir.tokens import ClientSecret, TokenFetcher
from adapter.settings import load_settings
from tests.integration.keycloak_support import (
    READ_ONLY,
    READ_WRITE,
    SECRET_CLIENT,
    SHORT_LIVED_CLIENT,
    new_private_key,
    smart_client,
    token_url,
)
from tests.integration.push_support import CountingTransport

pytestmark = [pytest.mark.integration, pytest.mark.auth]


def secret_settings(fhir: str, realm: str, scope: str, client=SECRET_CLIENT, **more: Any):
    client_id, secret = client
    auth = {
        "kind": "client_credentials",
        "token_url": token_url(realm),
        "client_id": client_id,
        "client_secret": secret,
        "scope": scope,
        **more,
    }
    return load_settings(fhir_base_url=fhir, fhir_auth=auth)


def a_goal() -> dict[str, Any]:
    return {
        "resourceType": "Goal",
        "id": f"auth-it-{uuid.uuid4().hex[:16]}",
        "lifecycleStatus": "active",
        "description": {"text": "auth integration test"},
        "subject": {"display": "nobody"},
    }


async def write_and_read_back(fhir: FHIRClient) -> None:
    goal = a_goal()
    written = await fhir.update(goal)
    assert written.status == 201
    assert (await fhir.read("Goal", goal["id"]))["description"] == goal["description"]


def test_no_token_is_401_and_metadata_stays_public(secure_fhir_url):
    assert httpx.get(f"{secure_fhir_url}/metadata").status_code == 200
    answer = httpx.get(f"{secure_fhir_url}/Goal")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    forged = httpx.get(f"{secure_fhir_url}/Goal", headers={"Authorization": "Bearer not.a.jwt"})
    assert forged.status_code == 401


async def test_client_secret_token_lets_the_adapter_read_and_write(
    secure_fhir_url, keycloak_realm_url
):
    settings = secret_settings(secure_fhir_url, keycloak_realm_url, READ_WRITE)
    async with open_client(settings) as fhir:
        await write_and_read_back(fhir)


async def test_read_only_scope_reads_but_a_write_is_403(secure_fhir_url, keycloak_realm_url):
    settings = secret_settings(secure_fhir_url, keycloak_realm_url, READ_ONLY)
    async with open_client(settings) as fhir:
        [_ async for _ in fhir.search("Goal", {"_count": "1"})]
        with pytest.raises(AccessDenied) as refused:
            await fhir.update(a_goal())
    assert (refused.value.status, refused.value.server_code) == (403, "HAPI-0333")
    assert str(refused.value) == "PUT Goal: HTTP 403 (HAPI-0333)"


def _short_lived_auth(realm: str, refresh_at: float, clock=None) -> ClientCredentialsAuth:
    client_id, secret = SHORT_LIVED_CLIENT
    return ClientCredentialsAuth(
        token_url=token_url(realm),
        client=ClientSecret(client_id, SecretStr(secret)),
        scope=READ_WRITE,
        fetcher=TokenFetcher(),
        refresh_at=refresh_at,
        **({"clock": clock} if clock else {}),
    )


async def test_token_is_fetched_again_before_it_expires(secure_fhir_url, keycloak_realm_url):
    now = [0.0]
    auth = _short_lived_auth(keycloak_realm_url, 0.8, clock=lambda: now[0])
    async with httpx.AsyncClient(auth=auth) as http:
        fhir = FHIRClient(http, secure_fhir_url)
        await write_and_read_back(fhir)
        assert auth.token_fetches == 1
        now[0] += 4.1  # past 80 % of the realm client's 5 s token lifespan
        await write_and_read_back(fhir)
    assert auth.token_fetches == 2


async def test_expired_token_refused_by_the_server_is_replaced(secure_fhir_url, keycloak_realm_url):
    transport = CountingTransport()
    auth = _short_lived_auth(keycloak_realm_url, refresh_at=1000.0)  # never early: let it expire
    async with httpx.AsyncClient(auth=auth, transport=transport) as http:
        fhir = FHIRClient(http, secure_fhir_url)
        await fhir.read("Goal", (await fhir.update(a_goal())).id or "")
        await asyncio.sleep(6)  # the token lives 5 s
        await write_and_read_back(fhir)
    assert auth.token_fetches == 2
    # The first PUT after the pause was refused (401) and sent again with the fresh token.
    assert sum(r.startswith("PUT /fhir/Goal/") for r in transport.requests) == 3


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
async def test_smart_backend_services_with_a_key_made_here(
    secure_fhir_url, keycloak_realm_url, algorithm
):
    pem = new_private_key(algorithm)
    with smart_client(keycloak_realm_url, pem, algorithm) as client_id:
        auth = {
            "kind": "smart_backend",
            "client_id": client_id,
            "private_key": pem,
            "algorithm": algorithm,
            "scope": "system/*.cruds",
        }  # no token URL: discovered from the server's .well-known/smart-configuration
        settings = load_settings(fhir_base_url=secure_fhir_url, fhir_auth=auth)
        async with open_client(settings) as fhir:
            await write_and_read_back(fhir)


async def test_smart_key_not_registered_is_refused_by_the_token_endpoint(
    secure_fhir_url, keycloak_realm_url
):
    registered, other = new_private_key("RS384"), new_private_key("RS384")
    with smart_client(keycloak_realm_url, registered, "RS384") as client_id:
        auth = {"kind": "smart_backend", "client_id": client_id, "private_key": other}
        settings = load_settings(fhir_base_url=secure_fhir_url, fhir_auth=auth)
        async with open_client(settings) as fhir:
            with pytest.raises(TokenEndpointError) as refused:
                await fhir.read("Goal", "any")
    # Keycloak answers a bad signature with 400 invalid_client (RFC 6749 allows 400 or 401).
    assert (refused.value.status, refused.value.error) == (400, "invalid_client")
    assert refused.value.url == token_url(keycloak_realm_url)


async def test_unknown_scope_is_refused_by_the_token_endpoint(secure_fhir_url, keycloak_realm_url):
    settings = secret_settings(secure_fhir_url, keycloak_realm_url, "system/*.bogus")
    async with open_client(settings) as fhir:
        with pytest.raises(TokenEndpointError) as refused:
            await fhir.read("Goal", "any")
    assert (refused.value.status, refused.value.error) == (400, "invalid_scope")
    assert "scope 'system/*.bogus'" in str(refused.value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_token_endpoint_down_is_named_as_such(secure_fhir_url, keycloak_realm_url):
    down = f"http://127.0.0.1:{free_port()}/realms/cm-fhir/protocol/openid-connect/token"
    settings = secret_settings(secure_fhir_url, keycloak_realm_url, READ_WRITE, token_url=down)
    async with open_client(settings) as fhir:
        with pytest.raises(TokenEndpointError) as caught:
            await fhir.read("Goal", "any")
    assert str(caught.value) == f"cannot reach the token endpoint {down} (ConnectError)"
