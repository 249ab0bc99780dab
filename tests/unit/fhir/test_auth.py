"""Auth flows: static bearer, client credentials (cache, refresh, one retry on 401), SMART."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from adapter.errors import AccessDenied, TokenEndpointError
from adapter.fhir.auth import BearerAuth, ClientCredentialsAuth, SmartBackendAuth, build_auth
from adapter.fhir.jwks import key_thumbprint
from adapter.fhir.tokens import ClientSecret, TokenFetcher
from adapter.settings import AuthSettings

from .scripted import BASE, client_for, fhir_json

TOKEN_URL = "https://auth.test/token"
SECRET = "s3cr3t-value"
GOAL = {"resourceType": "Goal", "id": "g1"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class AuthServer:
    """A token endpoint issuing tok-1, tok-2, ... and a FHIR server accepting ``valid`` tokens."""

    def __init__(self, *, expires_in: int = 300, reject: Callable[[str], bool] = lambda _t: False):
        self.expires_in = expires_in
        self.reject = reject
        self.token_requests: list[httpx.Request] = []
        self.fhir_tokens: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url).startswith(TOKEN_URL):
            self.token_requests.append(request)
            token = f"tok-{len(self.token_requests)}"
            return httpx.Response(200, json={"access_token": token, "expires_in": self.expires_in})
        if request.url.path.endswith("/.well-known/smart-configuration"):
            return httpx.Response(200, json={"token_endpoint": TOKEN_URL})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.fhir_tokens.append(token)
        if self.reject(token):
            return httpx.Response(401, json={"resourceType": "OperationOutcome", "issue": []})
        return fhir_json(GOAL)


def _fetcher(handler: Callable[[httpx.Request], httpx.Response]) -> TokenFetcher:
    return TokenFetcher(transport=httpx.MockTransport(handler))


def _credentials_auth(
    clock: Clock, handler: Callable[[httpx.Request], httpx.Response]
) -> ClientCredentialsAuth:
    return ClientCredentialsAuth(
        token_url=TOKEN_URL,
        client=ClientSecret("cm adapter", SecretStr(SECRET)),
        scope="system/*.rs",
        fetcher=_fetcher(handler),
        clock=clock,
    )


async def test_bearer_token_is_sent():
    server = AuthServer()
    async with client_for(server, auth=BearerAuth(SecretStr("static"))) as client:
        await client.read("Goal", "g1")
    assert server.fhir_tokens == ["static"]


async def test_client_credentials_fetches_once_and_caches():
    server = AuthServer()
    async with client_for(server, auth=_credentials_auth(Clock(), server)) as client:
        await client.read("Goal", "g1")
        await client.read("Goal", "g1")
    assert server.fhir_tokens == ["tok-1", "tok-1"]
    [token_request] = server.token_requests
    form = parse_qs(token_request.content.decode())
    assert form == {"grant_type": ["client_credentials"], "scope": ["system/*.rs"]}
    basic = base64.b64decode(token_request.headers["Authorization"].removeprefix("Basic ")).decode()
    assert basic == f"cm+adapter:{SECRET}"


async def test_concurrent_requests_share_one_token_fetch():
    server = AuthServer()
    async with client_for(server, auth=_credentials_auth(Clock(), server)) as client:
        await asyncio.gather(*(client.read("Goal", "g1") for _ in range(5)))
    assert len(server.token_requests) == 1


async def test_token_is_refreshed_before_it_expires():
    server, clock = AuthServer(expires_in=100), Clock()
    async with client_for(server, auth=_credentials_auth(clock, server)) as client:
        await client.read("Goal", "g1")
        clock.now += 79
        await client.read("Goal", "g1")
        clock.now += 2  # past 80 % of the lifetime, still before expiry
        await client.read("Goal", "g1")
    assert server.fhir_tokens == ["tok-1", "tok-1", "tok-2"]


async def test_401_gets_one_fresh_token_and_one_more_try():
    server = AuthServer(reject=lambda token: token == "tok-1")
    async with client_for(server, auth=_credentials_auth(Clock(), server)) as client:
        assert await client.read("Goal", "g1") == GOAL
    assert server.fhir_tokens == ["tok-1", "tok-2"]


async def test_repeated_401_is_access_denied_after_a_single_refresh():
    server = AuthServer(reject=lambda _token: True)
    async with client_for(server, auth=_credentials_auth(Clock(), server)) as client:
        with pytest.raises(AccessDenied) as caught:
            await client.read("Goal", "g1")
    assert caught.value.status == 401
    assert server.fhir_tokens == ["tok-1", "tok-2"]


async def test_refused_client_names_the_token_endpoint_without_the_secret():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client", "error_description": SECRET})

    async with client_for(handler, auth=_credentials_auth(Clock(), handler)) as client:
        with pytest.raises(TokenEndpointError) as caught:
            await client.read("Goal", "g1")
    assert (caught.value.status, caught.value.error) == (401, "invalid_client")
    assert TOKEN_URL in str(caught.value)
    assert "invalid_client" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.__dict__)


def _rsa_pem() -> tuple[str, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _pem(key), key.public_key()


def _ec_pem() -> tuple[str, object]:
    key = ec.generate_private_key(ec.SECP384R1())
    return _pem(key), key.public_key()


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(("algorithm", "make_key"), [("RS384", _rsa_pem), ("ES384", _ec_pem)])
async def test_smart_backend_discovers_the_token_url_and_signs_an_assertion(algorithm, make_key):
    pem, public_key = make_key()
    server = AuthServer()
    auth = SmartBackendAuth(
        base_url=BASE,
        client_id="cm-adapter",
        private_key=SecretStr(pem),
        algorithm=algorithm,
        key_id="key-1",
        fetcher=_fetcher(server),
        clock=Clock(),
        wall_clock=lambda: 1_800_000_000.0,
    )
    async with client_for(server, auth=auth) as client:
        await client.read("Goal", "g1")
        await client.read("Goal", "g1")
    assert auth.token_url == TOKEN_URL
    [token_request] = server.token_requests
    form = {k: v[0] for k, v in parse_qs(token_request.content.decode()).items()}
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "Authorization" not in token_request.headers
    header = jwt.get_unverified_header(form["client_assertion"])
    assert (header["alg"], header["kid"]) == (algorithm, "key-1")
    claims = jwt.decode(
        form["client_assertion"],
        public_key,
        algorithms=[algorithm],
        audience=TOKEN_URL,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == claims["sub"] == "cm-adapter"
    assert (claims["iat"], claims["exp"]) == (1_800_000_000, 1_800_000_300)
    assert len(claims["jti"]) >= 32
    assert server.fhir_tokens == ["tok-1", "tok-1"]


def test_build_auth_follows_the_settings():
    assert build_auth(AuthSettings(), base_url=BASE) is None
    bearer = build_auth(AuthSettings(kind="bearer", token=SecretStr("t")), base_url=BASE)
    assert isinstance(bearer, BearerAuth)
    cc = AuthSettings(
        kind="client_credentials", token_url=TOKEN_URL, client_id="c", client_secret=SecretStr("s")
    )
    assert isinstance(build_auth(cc, base_url=BASE), ClientCredentialsAuth)
    smart = AuthSettings(kind="smart_backend", client_id="c", private_key=SecretStr("pem"))
    built = build_auth(smart, base_url=BASE)
    assert isinstance(built, SmartBackendAuth)
    assert built.token_url is None


class _Streamed(httpx.AsyncByteStream):
    """A body that arrives as a stream, as from a real socket: unread until someone reads it."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self):
        yield self.body


async def test_streamed_token_and_401_answers_are_read_before_use():
    # Real servers stream their answers; pre-read MockTransport bodies hid ResponseNotRead.
    inner = AuthServer(reject=lambda token: token == "tok-1")

    def streaming(request: httpx.Request) -> httpx.Response:
        answer = inner(request)
        return httpx.Response(
            answer.status_code, headers=answer.headers, stream=_Streamed(answer.content)
        )

    async with client_for(streaming, auth=_credentials_auth(Clock(), streaming)) as client:
        assert await client.read("Goal", "g1") == GOAL
    assert inner.fhir_tokens == ["tok-1", "tok-2"]


async def test_unreachable_token_endpoint_is_named_not_the_fhir_server():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with client_for(AuthServer(), auth=_credentials_auth(Clock(), handler)) as client:
        with pytest.raises(TokenEndpointError) as caught:
            await client.read("Goal", "g1")
    assert caught.value.status is None
    assert str(caught.value) == f"cannot reach the token endpoint {TOKEN_URL} (ConnectError)"


async def test_assertion_kid_defaults_to_the_key_thumbprint():
    pem, _public = _rsa_pem()
    server = AuthServer()
    auth = SmartBackendAuth(
        base_url=BASE,
        client_id="cm-adapter",
        private_key=SecretStr(pem),
        token_url=TOKEN_URL,
        fetcher=_fetcher(server),
    )
    async with client_for(server, auth=auth) as client:
        await client.read("Goal", "g1")
    [token_request] = server.token_requests
    assertion = parse_qs(token_request.content.decode())["client_assertion"][0]
    assert jwt.get_unverified_header(assertion)["kid"] == key_thumbprint(pem)
    assert parse_qs(token_request.content.decode())["scope"] == ["system/*.rs"]


async def test_discovery_without_a_token_endpoint_says_what_to_set():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={})

    pem, _public = _rsa_pem()
    auth = SmartBackendAuth(
        base_url=BASE, client_id="c", private_key=SecretStr(pem), fetcher=_fetcher(handler)
    )
    async with client_for(AuthServer(), auth=auth) as client:
        with pytest.raises(TokenEndpointError, match="ADAPTER_FHIR_AUTH__TOKEN_URL"):
            await client.read("Goal", "g1")
