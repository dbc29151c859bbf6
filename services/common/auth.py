"""Bearer-token verification and the caller's identity (the Principal).

Services are OAuth2 resource servers: HS256 with MIRPS_JWT_SECRET in development and
test, RS256 through the identity provider's JWKS in production. Issuer, audience and
expiry are always checked; `alg: none` is never accepted.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from services.common.errors import Forbidden, Unauthorized
from services.common.settings import CommonSettings


class Role(StrEnum):
    SECRETARIAT = "secretariat"
    MEMBER = "member"
    COUNTRY_FOCAL_POINT = "country_focal_point"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: token subject, roles, organisation and countries."""

    sub: str
    roles: frozenset[str] = field(default_factory=frozenset)
    org_id: str | None = None
    countries: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_secretariat(self) -> bool:
        return Role.SECRETARIAT in self.roles

    def has_any_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def acting_org_id(self) -> str | None:
        """The organisation the token acts for: its org, for a member or partner of it."""
        return self.org_id if self.has_any_role(Role.MEMBER, Role.PARTNER) else None

    def speaks_for_org(self, org_id: str | None) -> bool:
        """True when the token acts for this organisation (member or partner of it)."""
        return org_id is not None and self.acting_org_id == org_id

    def is_focal_point_for(self, country: str) -> bool:
        return Role.COUNTRY_FOCAL_POINT in self.roles and country in self.countries


def _challenge(description: str) -> dict[str, str]:
    return {
        "WWW-Authenticate": f'Bearer realm="mirps", error="invalid_token", '
        f'error_description="{description}"'
    }


class TokenVerifier:
    """Verifies bearer tokens with the algorithm the environment calls for."""

    def __init__(self, settings: CommonSettings) -> None:
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True)
            if (settings.jwt_jwks_url)
            else None
        )

    async def _key_and_algorithm(self, token: str) -> tuple[Any, str]:
        if self._jwks is not None:
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            return signing_key.key, "RS256"
        return self._settings.jwt_secret.get_secret_value(), "HS256"

    async def verify(self, token: str) -> Principal:
        """Decode and check a token, or raise Unauthorized saying why."""
        try:
            key, algorithm = await self._key_and_algorithm(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired", headers=_challenge("expired")) from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthorized(
                f"the token is not valid: {exc}", headers=_challenge("invalid token")
            ) from exc
        return _principal_from_claims(claims)


def _principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles = claims.get("roles") or []
    countries = claims.get("countries") or []
    if not isinstance(roles, list) or not isinstance(countries, list):
        raise Unauthorized("roles and countries claims must be lists", headers=_challenge("claims"))
    org_id = claims.get("org_id")
    return Principal(
        sub=str(claims["sub"]),
        roles=frozenset(str(role) for role in roles),
        org_id=str(org_id) if org_id else None,
        countries=frozenset(str(country).upper() for country in countries),
    )


def mint_token(
    settings: CommonSettings,
    *,
    roles: Iterable[str],
    sub: str | None = None,
    org_id: str | None = None,
    countries: Iterable[str] = (),
    ttl_minutes: int = 60,
) -> str:
    """A development HS256 token; refused in production (tokens come from the IdP there)."""
    if settings.is_production:
        raise RuntimeError("development tokens are not issued when MIRPS_ENVIRONMENT=production")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub or f"dev-{uuid.uuid4().hex[:8]}",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_minutes * 60,
        "roles": list(roles),
        "countries": [country.upper() for country in countries],
    }
    if org_id:
        claims["org_id"] = org_id
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "the Authorization header must be 'Bearer <token>'", headers=_challenge("malformed")
        )
    return token.strip()


async def optional_principal(request: Request) -> Principal | None:
    """The caller, or None for an anonymous request. A bad token is a 401, not anonymous."""
    token = _bearer_token(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(token)


async def required_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized(
            "this operation needs a bearer token",
            headers={"WWW-Authenticate": 'Bearer realm="mirps"'},
        )
    return principal


def require_roles(*roles: Role) -> Callable[..., Any]:
    """Dependency: the caller must hold one of `roles` (403 otherwise)."""

    async def _check(principal: Annotated[Principal, Depends(required_principal)]) -> Principal:
        if not principal.has_any_role(*roles):
            wanted = ", ".join(role.value for role in roles)
            raise Forbidden(f"this operation needs one of the roles: {wanted}")
        return principal

    return _check


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]
PrincipalDep = Annotated[Principal, Depends(required_principal)]
SecretariatDep = Annotated[Principal, Depends(require_roles(Role.SECRETARIAT))]
