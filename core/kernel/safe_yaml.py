"""YAML from a file someone wrote by hand, read without surprises.

`yaml.safe_load` already refuses tags that build objects, but it still lets a file raise plain
`ValueError` (an unquoted `2026-02-30` is read as a date), overflow the stack (ten thousand
nested brackets) or expand a few aliases into a billion values ("billion laughs"). `load` turns
each into BadFile naming the line, before any value reaches the caller.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from core.kernel.errors import BadFile

MAX_DEPTH = 40  # a plan catalogue is six levels deep; Python's stack gives out near 300
MAX_VALUES = 100_000  # values after aliases are expanded; a large catalogue has a few thousand


class _Loader(yaml.SafeLoader):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values under it, aliases expanded

    def compose_node(self, parent: Node | None, index: int) -> Node:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            mark = self.get_mark()  # where the reader stands: inside the node too deep
            raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        node = super().compose_node(parent, index)
        assert node is not None  # None only at the end of the stream, never inside a document
        self._depth -= 1
        if id(node) not in self._sizes:  # an alias is its anchor's node, already counted
            self._sizes[id(node)] = 1 + sum(self._sizes.get(id(child), 1) for child in _children(node))
        if self._sizes[id(node)] > MAX_VALUES:
            raise ComposerError(
                None, None, f"aliases expand to more than {MAX_VALUES:,} values", node.start_mark
            )
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # e.g. 2026-02-30: "day is out of range for month"
            what = repr(node.value[:60]) if isinstance(node.value, str) else "this value"
            raise ConstructorError(None, None, f"{what} cannot be read ({exc})", node.start_mark) from None


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load(text: str) -> Any:
    """The document in `text`; BadFile with the line of the first problem."""
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader checks every character here already
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = "; ".join(p for p in (exc.context, exc.problem) if p)
        raise BadFile(f"This is not valid YAML: {problem}.", mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:  # a control character, or bytes that are not text
        line = text.count("\n", 0, exc.position) + 1
        raise BadFile(
            f"This is not valid YAML: the character U+{exc.character:04X} is not allowed.", line
        ) from None
    except yaml.YAMLError as exc:
        raise BadFile(f"This is not valid YAML: {exc}.") from None
    finally:
        if loader is not None:
            loader.dispose()
