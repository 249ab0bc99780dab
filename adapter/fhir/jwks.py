"""The public half of the adapter's SMART Backend Services key, as a JWKS to register.

An EHR's authorization server learns the adapter's public key either from a JWKS URL or from a
JWKS pasted into the client registration; ``adapter auth jwks`` prints the latter. The ``kid``
is the key's RFC 7638 thumbprint unless one is configured, and is what the client assertion
carries in its header.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapter.errors import ConfigError

__all__ = ["key_thumbprint", "public_jwk", "public_jwks"]


def _b64(number: int, length: int | None = None) -> str:
    raw = number.to_bytes(length or (number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _public_members(pem: str) -> dict[str, str]:
    """The required JWK members of the public key of a PEM private key (RSA or P-384)."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise ConfigError(
            "ADAPTER_FHIR_AUTH__PRIVATE_KEY is not an unencrypted PEM private key"
        ) from None
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.public_key().public_numbers()
        return {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP384R1):
        point = key.public_key().public_numbers()
        return {"crv": "P-384", "kty": "EC", "x": _b64(point.x, 48), "y": _b64(point.y, 48)}
    raise ConfigError(
        "ADAPTER_FHIR_AUTH__PRIVATE_KEY must be an RSA key (RS384) or a P-384 key (ES384)"
    )


def key_thumbprint(pem: str) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url) of the key's public half."""
    canonical = json.dumps(_public_members(pem), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(pem: str, *, algorithm: str, key_id: str | None = None) -> dict[str, Any]:
    """The public JWK for signing with ``algorithm`` (RS384 or ES384)."""
    members = _public_members(pem)
    expected = "RSA" if algorithm.startswith("RS") else "EC"
    if members["kty"] != expected:
        raise ConfigError(
            f"ADAPTER_FHIR_AUTH__ALGORITHM {algorithm} does not fit a {members['kty']} key"
        )
    kid = key_id or key_thumbprint(pem)
    return {**members, "alg": algorithm, "use": "sig", "kid": kid, "key_ops": ["verify"]}


def public_jwks(pem: str, *, algorithm: str, key_id: str | None = None) -> dict[str, Any]:
    """``{"keys": [public_jwk]}``, ready to register with an authorization server."""
    return {"keys": [public_jwk(pem, algorithm=algorithm, key_id=key_id)]}
