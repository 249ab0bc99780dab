"""The public JWKS of the adapter's SMART key: verifies what the adapter signs."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import ConfigError
from adapter.fhir.jwks import key_thumbprint, public_jwks


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    ("algorithm", "key"),
    [
        ("RS384", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ES384", ec.generate_private_key(ec.SECP384R1())),
    ],
)
def test_published_key_verifies_a_signature_and_carries_the_thumbprint_kid(algorithm, key):
    pem = _pem(key)
    [jwk] = public_jwks(pem, algorithm=algorithm)["keys"]
    assert jwk["kid"] == key_thumbprint(pem)
    assert "d" not in jwk  # nothing private
    token = jwt.encode({"sub": "x"}, pem, algorithm)
    public = jwt.PyJWK.from_json(json.dumps(jwk))
    assert jwt.decode(token, public.key, algorithms=[algorithm]) == {"sub": "x"}


def test_an_unsupported_key_is_a_config_error():
    with pytest.raises(ConfigError, match="PRIVATE_KEY"):
        public_jwks("not a key", algorithm="RS384")
    p256 = _pem(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ConfigError, match="P-384"):
        public_jwks(p256, algorithm="ES384")
    rsa_pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(ConfigError, match="does not fit"):
        public_jwks(rsa_pem, algorithm="ES384")


def test_cli_prints_the_public_jwks_of_the_configured_key(monkeypatch):
    pem = _pem(ec.generate_private_key(ec.SECP384R1()))
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__KIND", "smart_backend")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__CLIENT_ID", "cm-adapter")
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__PRIVATE_KEY", pem)
    monkeypatch.setenv("ADAPTER_FHIR_AUTH__ALGORITHM", "ES384")
    result = CliRunner().invoke(app, ["jwks"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == public_jwks(pem, algorithm="ES384")
    assert "PRIVATE" not in result.stdout


def test_cli_without_a_key_is_a_config_error(monkeypatch):
    monkeypatch.delenv("ADAPTER_FHIR_AUTH__PRIVATE_KEY", raising=False)
    result = CliRunner().invoke(app, ["jwks"])
    assert result.exit_code == 2
    assert "ADAPTER_FHIR_AUTH__PRIVATE_KEY is not set" in result.stderr
