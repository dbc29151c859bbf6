"""How a plain REST id is told apart: found in exactly one type it is that object; found in
several it is refused, naming them; found in none it is null."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.context import Info
from gateway.errors import BadUserInput
from gateway.node_ids import NODE_TYPES, find_node
from gateway.types.nodes import ResourceNode

LOADERS = {node.loader_name: name for name, node in NODE_TYPES.items()}


@dataclass
class Loaders:
    """Loaders that hold `key` in the loaders named `holding`, and count what is asked."""

    key: str
    holding: set[str]
    asked: list[str] = field(default_factory=list)

    async def one(self, name: str, key: str | None) -> dict[str, Any] | None:
        self.asked.append(name)
        return {"id": key} if key == self.key and name in self.holding else None


def _info(loaders: Loaders) -> Info:
    context: Any = type("Context", (), {"loaders": loaders})()
    return cast(Info, type("Info", (), {"context": context})())


@given(st.sets(st.sampled_from(sorted(LOADERS)), max_size=3))
async def test_a_rest_id_is_answered_only_when_one_type_has_it(holding: set[str]) -> None:
    key = str(uuid.uuid4())
    loaders = Loaders(key, holding)

    if len(holding) > 1:
        with pytest.raises(BadUserInput) as refused:
            await find_node(_info(loaders), key)
        assert sorted(refused.value.extensions["types"]) == sorted(LOADERS[h] for h in holding)
        return
    node = await find_node(_info(loaders), key)

    if holding:
        assert isinstance(node, ResourceNode)
        assert (type(node).__name__, node.key) == (LOADERS[holding.pop()], key)
    else:
        assert node is None
    assert sorted(loaders.asked) == sorted(LOADERS)


async def test_a_value_that_is_no_id_asks_nothing() -> None:
    loaders = Loaders("x", set())

    with pytest.raises(BadUserInput):
        await find_node(_info(loaders), "org usa")

    assert loaders.asked == []
