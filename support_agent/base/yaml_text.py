"""Reading YAML that people write by hand (scenarios, workflow data), so that what
is wrong in it can be named by its line."""

from __future__ import annotations

import re
from typing import Any

import yaml


class YamlSyntaxError(ValueError):
    """YAML that does not parse; `line` and `column` are 1-based, None when unknown."""

    def __init__(self, problem: str, line: int | None, column: int | None):
        super().__init__(problem)
        self.problem, self.line, self.column = problem, line, column


def parse_yaml_text(text: str) -> tuple[Any, yaml.Node | None]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlSyntaxError(
            problem, mark.line + 1 if mark else None, mark.column + 1 if mark else None
        ) from None
    finally:
        loader.dispose()


def line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The line (1-based) of the node at pydantic's error location `loc`, or of the
    deepest node on the way that exists."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            found = node.value[key]
        else:
            found = None
        if found is None:
            break
        node = found
    return node.start_mark.line + 1


def checked_pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
    return pattern
