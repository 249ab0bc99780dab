"""Helpers for the auth tests against the real Keycloak: clients of the test realm
(tools/keycloak/realm-cm-fhir.json), and SMART Backend Services clients registered on the fly
through Keycloak's admin REST API with a key pair made in the test."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapter.fhir.jwks import public_jwks

# Fixed test credentials of the throwaway dev-mode realm (loopback only, in-memory database).
SECRET_CLIENT = ("cm-adapter", "cm-adapter-test-secret")
SHORT_LIVED_CLIENT = ("cm-adapter-short", "cm-adapter-short-test-secret")  # 5 s tokens
_ADMIN_CLIENT = ("cm-test-admin", "cm-test-admin-secret")
READ_WRITE = "system/*.read system/*.write"
READ_ONLY = "system/*.read"


def token_url(realm_url: str) -> str:
    return f"{realm_url}/protocol/openid-connect/token"


def new_private_key(algorithm: str) -> str:
    """A fresh PEM private key for RS384 (RSA 2048) or ES384 (P-384)."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm == "RS384":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP384R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _admin(realm_url: str) -> tuple[httpx.Client, str]:
    answer = httpx.post(
        token_url(realm_url), data={"grant_type": "client_credentials"}, auth=_ADMIN_CLIENT
    )
    answer.raise_for_status()
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    base, realm = realm_url.split("/realms/")
    return httpx.Client(headers=headers, timeout=30), f"{base}/admin/realms/{realm}"


@contextmanager
def smart_client(realm_url: str, pem: str, algorithm: str) -> Iterator[str]:
    """A confidential client authenticating with ``private_key_jwt``; its public key is the
    JWKS the adapter publishes for ``pem``. Yields the client id; deleted afterwards."""
    client_id = f"smart-{algorithm.lower()}-{uuid.uuid4().hex[:8]}"
    jwks = public_jwks(pem, algorithm=algorithm)
    representation: dict[str, Any] = {
        "clientId": client_id,
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        "serviceAccountsEnabled": True,
        "standardFlowEnabled": False,
        "clientAuthenticatorType": "client-jwt",
        "attributes": {
            "use.jwks.url": "false",
            "use.jwks.string": "true",
            "jwks.string": json.dumps(jwks),
            "token.endpoint.auth.signing.alg": algorithm,
        },
        "defaultClientScopes": [],
        "optionalClientScopes": ["system/*.rs", "system/*.cruds"],
    }
    admin, base = _admin(realm_url)
    with admin:
        created = admin.post(f"{base}/clients", json=representation)
        assert created.status_code == 201, created.text
        location = created.headers["Location"]
        try:
            yield client_id
        finally:
            admin.delete(location)
