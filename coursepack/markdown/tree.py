"""The token stream is the tree: an opening token (``nesting`` 1) and its closing one (-1) hold
what is between them. These two walks find one from the other."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token


def closing(tokens: Sequence[Token], i: int) -> int:
    """The index of the token that closes the one opened at ``i`` (the last one if none does)."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def opening(tokens: Sequence[Token], i: int) -> Token | None:
    """The token that opened the one closing at ``i`` (``i``'s own token when it closes nothing)."""
    depth = 0
    for j in range(i, -1, -1):
        depth += tokens[j].nesting
        if depth == 0:
            return tokens[j]
    return None
