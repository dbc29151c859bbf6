"""Query cost: an estimate of a GraphQL answer's size, refused above a maximum before execution.

Depth, alias and token limits each bound one dimension of a query; the cost bounds their
product. The cost is the number of values the answer would hold at most:

- every selected field counts once per object it is selected on (aliases count again);
- a connection's page (`first`, else the default page size) multiplies its `edges` /
  `nodes` and everything below them;
- a list with a `limit` argument multiplies by that limit; any other list by
  `PLAIN_LIST_SIZE`.

So `pledges(first: 100) { nodes { entries(first: 100) { nodes { id } } } }` costs about
100 x 100 values. A query above `GATEWAY_MAX_QUERY_COST` is answered with one error, code
`QUERY_TOO_COSTLY`, before any service is called; every answer reports its cost in
`extensions.cost`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from strawberry.extensions import SchemaExtension

from gateway.connections import DEFAULT_PAGE_SIZE
from gateway.errors import ErrorCode

PLAIN_LIST_SIZE = 10  # assumed length of a list that has no page size or limit argument
# A type may say how long one of its plain lists is at most, when its domain bounds it (a
# strategy has a handful of objectives): `strawberry.field(metadata={LIST_SIZE: 5})`.
LIST_SIZE = "cost_list_size"
STRAWBERRY_DEFINITION = "strawberry-definition"  # where strawberry keeps a field's definition


@dataclass(frozen=True)
class CostModel:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    max_page_size: int

    def selection_cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType,
        count: int,
        page: int,
    ) -> int:
        """Values under `selection_set` on `count` objects of type `parent`.

        `page` is the page size the enclosing connection field asked for: it is the length
        of the lists (`edges`, `nodes`) directly below it.
        """
        if selection_set is None:
            return 0
        total = 0
        for field, field_parent in self._fields(selection_set, parent):
            total += self._field_cost(field, field_parent, count, page)
        return total

    def _field_cost(self, field: FieldNode, parent: GraphQLNamedType, count: int, page: int) -> int:
        definition = _field_definition(parent, field.name.value)
        if definition is None:  # __typename and introspection meta fields
            return count
        length = 1
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            declared = _declared_list_size(definition)
            length = self._count_argument(field, definition, "limit", declared or page)
        values = count * length
        default_page = min(DEFAULT_PAGE_SIZE, self.max_page_size)
        child_page = self._count_argument(field, definition, "first", default_page)
        if "first" not in definition.args:
            child_page = PLAIN_LIST_SIZE
        named = get_named_type(definition.type)
        return values + self.selection_cost(field.selection_set, named, values, child_page)

    def _count_argument(
        self, field: FieldNode, definition: GraphQLField, name: str, default: int
    ) -> int:
        """The value of the count argument `name` (or its schema default), else `default`."""
        if name not in definition.args:
            return default
        value = self._argument(field, name)
        if value is None:
            value = definition.args[name].default_value
        return max(value, 0) if isinstance(value, int) else default

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, IntValueNode):
                return int(argument.value.value)
            if isinstance(argument.value, VariableNode):
                return self.variables.get(argument.value.name.value)
        return None

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        """The fields selected on `parent`, fragments flattened (each alias separately)."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set, self._condition(selection, parent))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    condition = self._condition(fragment, parent)
                    yield from self._fields(fragment.selection_set, condition)

    def _condition(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLNamedType
    ) -> GraphQLNamedType:
        if fragment.type_condition is None:
            return parent
        return self.schema.get_type(fragment.type_condition.name.value) or parent


def _declared_list_size(definition: GraphQLField) -> int | None:
    """The most items a list field's type declares it holds (its metadata), if it says."""
    field = (definition.extensions or {}).get(STRAWBERRY_DEFINITION)
    metadata = getattr(field, "metadata", None) or {}
    size = metadata.get(LIST_SIZE)
    return size if isinstance(size, int) else None


def _field_definition(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    if not fields:
        return None
    definition: GraphQLField | None = fields.get(name)
    return definition


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    max_page_size: int,
) -> int:
    """The estimated number of values in the answer to `operation`."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    model = CostModel(schema, fragments, variables, max_page_size)
    return model.selection_cost(operation.selection_set, root, 1, PLAIN_LIST_SIZE)


class QueryCostLimiter(SchemaExtension):
    """Computes each operation's cost after validation; refuses it above `max_cost`."""

    def __init__(self, max_cost: int, max_page_size: int) -> None:
        self.max_cost = max_cost
        self.max_page_size = max_page_size
        self.cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        schema = context.schema._schema
        operation = _chosen_operation(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            fragments = {
                definition.name.value: definition
                for definition in document.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            variables = context.variables or {}
            self.cost = operation_cost(schema, operation, fragments, variables, self.max_page_size)
            if self.cost > self.max_cost:
                context.result = ExecutionResult(data=None, errors=[self._refusal(self.cost)])
        yield

    def _refusal(self, cost: int) -> GraphQLError:
        return GraphQLError(
            f"the query's estimated size is {cost} values, above the limit of {self.max_cost}: "
            "ask for smaller pages (`first`), fewer nested lists or fewer aliases",
            extensions={
                "code": ErrorCode.QUERY_TOO_COSTLY.value,
                "cost": cost,
                "maxCost": self.max_cost,
            },
        )

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"estimated": self.cost, "maximum": self.max_cost}}


def _chosen_operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)
