"""Bearer-token verification: HS256 in development, RS256 through JWKS in production."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from services.common.auth import TokenVerifier, mint_token
from services.common.errors import Unauthorized
from services.common.settings import CommonSettings
from tests.conftest import TEST_COMMON_SETTINGS

SETTINGS = TEST_COMMON_SETTINGS


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "u1",
        "iss": SETTINGS.jwt_issuer,
        "aud": SETTINGS.jwt_audience,
        "iat": now,
        "exp": now + 60,
        "roles": ["member"],
        "org_id": "org-1",
        "countries": ["gtm"],
    }
    claims.update(overrides)
    return claims


def _hs256(claims: dict[str, object], secret: str | None = None) -> str:
    return jwt.encode(claims, secret or SETTINGS.jwt_secret.get_secret_value(), algorithm="HS256")


async def test_valid_token_gives_the_principal() -> None:
    principal = await TokenVerifier(SETTINGS).verify(_hs256(_claims()))
    assert principal.sub == "u1"
    assert principal.roles == {"member"}
    assert principal.org_id == "org-1"
    assert principal.countries == {"GTM"}


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda: _hs256(_claims(exp=int(time.time()) - 5)), "expired"),
        (lambda: _hs256(_claims(), secret="another-secret-of-enough-length-000"), "Signature"),
        (lambda: _hs256(_claims(aud="someone-else")), "audience"),
        (lambda: _hs256(_claims(iss="https://evil.example")), "issuer"),
    ],
    ids=["expired", "wrong-signature", "wrong-audience", "wrong-issuer"],
)
async def test_bad_tokens_are_rejected(make_token: Callable[[], str], reason: str) -> None:
    # Tokens are made when the test runs: made at collection, they could expire first.
    with pytest.raises(Unauthorized) as caught:
        await TokenVerifier(SETTINGS).verify(make_token())
    assert reason.lower() in caught.value.detail.lower()
    assert caught.value.headers["WWW-Authenticate"].startswith("Bearer")


def _unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_alg_none_is_rejected() -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(SETTINGS).verify(_unsigned(_claims()))


async def test_token_without_expiry_is_rejected() -> None:
    claims = _claims()
    del claims["exp"]
    with pytest.raises(Unauthorized, match="exp"):
        await TokenVerifier(SETTINGS).verify(_hs256(claims))


async def test_bad_token_on_public_route_is_401_not_anonymous(run_app) -> None:
    from tests.common.machinery_app import machinery_app

    client = await run_app(machinery_app())
    response = await client.get("/v1/secretariat-only", headers={"Authorization": "Bearer x.y.z"})
    assert response.status_code == 401
    malformed = await client.get("/v1/secretariat-only", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401


def test_minted_tokens_are_refused_in_production() -> None:
    production = CommonSettings(environment="production", jwt_jwks_url="http://127.0.0.1:1/jwks")
    with pytest.raises(RuntimeError, match="production"):
        mint_token(production, roles=["secretariat"])


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    """A local identity provider publishing one RSA key as a JWKS."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    server.shutdown()
    server.server_close()


async def test_production_verifies_rs256_through_jwks(jwks_server) -> None:
    url, key = jwks_server
    settings = CommonSettings(environment="production", jwt_jwks_url=url)
    verifier = TokenVerifier(settings)
    token = jwt.encode(_claims(), key, algorithm="RS256", headers={"kid": "k1"})
    assert (await verifier.verify(token)).sub == "u1"
    # A development HS256 token is worthless in production.
    with pytest.raises(Unauthorized):
        await verifier.verify(_hs256(_claims()))
