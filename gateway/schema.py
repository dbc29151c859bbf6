"""The GraphQL schema of the gateway, and the limits it runs with.

The validation rules (depth, aliases, introspection) are built ONCE, at start-up: the
extensions that add them are made per request, but they hand strawberry the same rule
classes every time, so the validation cache keyed on them keeps hitting. (Given the
limiter extensions as factories, strawberry would build new rule classes per request
and validate every query from scratch — about ten times slower on small queries.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import strawberry
from graphql import ASTValidationRule, GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gateway import fast_fields
from gateway.arguments import NodeIdArg
from gateway.config import GatewaySettings
from gateway.context import Context, Info
from gateway.cost import QueryCostLimiter
from gateway.errors import ErrorCode, GatewayError
from gateway.mutations import Mutation
from gateway.mutations.imports import ImportQuery
from gateway.queries import DomainQuery, resolve_node
from gateway.types.outreach import OutreachQuery
from services.common.context import current_request_id

logger = logging.getLogger("mirps.gateway")


@strawberry.type(description="Readiness of one backing service, as seen from the gateway.")
class ServiceHealth:
    service: str = strawberry.field(
        description="Service name: pledges, practices, events or results."
    )
    ready: bool = strawberry.field(description="True when the service answered /readyz with 200.")
    latency_ms: float | None = strawberry.field(
        description="Round-trip time of the readiness call in milliseconds; null if it failed."
    )
    error: str | None = strawberry.field(description="Why the service is not ready, if it is not.")


async def _check(info: Info, service: str) -> ServiceHealth:
    client = info.context.clients[service]
    started = time.perf_counter()
    try:
        response = await client.get("/readyz", headers=info.context.forward_headers())
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return ServiceHealth(service=service, ready=False, latency_ms=None, error=reason)
    latency = round((time.perf_counter() - started) * 1000, 2)
    if response.status_code != 200:
        return ServiceHealth(
            service=service,
            ready=False,
            latency_ms=latency,
            error=f"/readyz answered {response.status_code}",
        )
    return ServiceHealth(service=service, ready=True, latency_ms=latency, error=None)


@strawberry.type(description="Everything a client can read.")
class Query(DomainQuery, OutreachQuery, ImportQuery):
    @strawberry.field(
        description="Any object by its global id (the `id` of a Node) or by its REST id: a "
        "REST id (a UUID) is looked up in each type with REST ids (one batched call per type) "
        "and answered when exactly one object has it; when several do, a BAD_USER_INPUT "
        "lists their types (give the global id instead)."
    )
    async def node(self, info: Info, id: NodeIdArg) -> relay.Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description="Readiness of each backing service; answers even if some are down."
    )
    async def health(self, info: Info) -> list[ServiceHealth]:
        names = info.context.clients.names()
        return list(await asyncio.gather(*(_check(info, name) for name in names)))


def is_request_error(error: GraphQLError) -> bool:
    """An error in the request itself: syntax, validation, or a value that does not coerce.

    These are raised before any resolver runs (no `path`), either by graphql-core itself
    (no original error) or by a scalar refusing an input value.
    """
    if error.path is not None:
        return False
    original = error.original_error
    return original is None or isinstance(original, GraphQLError | StrawberryInputCoercionError)


def is_unexpected(error: GraphQLError) -> bool:
    """A resolver's bug (to mask), as opposed to a domain or validation error (to show)."""
    original = error.original_error
    if original is None or isinstance(original, GatewayError):
        return False
    return not is_request_error(error)


def mark_request_error(error: GraphQLError) -> None:
    """Give a request error the code clients branch on, BAD_USER_INPUT (unless it has one)."""
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", ErrorCode.BAD_USER_INPUT.value)
    error.extensions = extensions


class GatewaySchema(strawberry.Schema):
    """The schema, logging each unexpected error with the request id before it is masked."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        request_id = current_request_id()
        for error in errors:
            if is_request_error(error):
                mark_request_error(error)
            if is_unexpected(error):
                logger.error(
                    "unexpected error in %s: %s",
                    ".".join(str(part) for part in error.path or ()),
                    error.message,
                    exc_info=error.original_error,
                    extra={"request_id": request_id},
                )
            else:
                logger.info(
                    "graphql error: %s",
                    error.message,
                    extra={"request_id": request_id, "extensions": error.extensions},
                )


def validation_rules(settings: GatewaySettings) -> list[type[ASTValidationRule]]:
    """The limit rules, built once: depth, aliases, and introspection where it is off."""
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def build_schema(settings: GatewaySettings | None = None) -> strawberry.Schema:
    """The schema with the limits of `settings` (types are the same for every settings)."""
    settings = settings or GatewaySettings()
    rules = validation_rules(settings)
    max_tokens, max_cost, max_page = (
        settings.max_tokens,
        settings.max_query_cost,
        settings.max_page_size,
    )
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules(rules),
        lambda: QueryCostLimiter(max_cost=max_cost, max_page_size=max_page),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=is_unexpected),
    ]
    batching: Any = (
        {"max_operations": settings.max_batch_operations}
        if settings.max_batch_operations > 0
        else None
    )
    built = GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(batching_config=batching),
    )
    fast_fields.install(built)
    return built


__all__ = ["Context", "GatewaySchema", "Query", "build_schema"]
