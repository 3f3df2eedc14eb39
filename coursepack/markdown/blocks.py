"""Block kinds: what a fenced div (``::: name``) or a GitHub alert can be, who sees it, how it prints.

A registry, so that the set grows without touching the parser (a plugin registers a kind).
Each kind has an *audience*: ``all`` prints in every edition, ``instructor`` only in the
instructor's guide, ``answer`` in the guide and the answer key, ``handout`` only in handouts
and the exercise booklet. The names other tools use (Carpentries, Quarto, MyST, GitHub) are
aliases of ours, so their material goes in unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from coursepack.errors import closest
from coursepack.i18n import N_

Audience = Literal["all", "instructor", "answer", "handout"]
# how a kind prints: a titled box, an exercise (numbered in the pack's series), the
# solution or hint of one, room to write, or a plain container of its content
Role = Literal["callout", "exercise", "solution", "hint", "answer-space", "container", "panel", "figure"]


@dataclass(frozen=True)
class BlockKind:
    """One kind of block."""

    name: str
    title: str | None  # the printed label (a message id, translated); None: no label
    audience: Audience = "all"
    role: Role = "callout"
    style: str = ""  # the theme's class, ``callout-<style>`` (default: the name)
    # the collections of the pack it is gathered into besides its place: "teaching-notes"
    # (the guide's notes by unit), "exercises" (booklet, handouts, answer key), "solutions"
    collect: frozenset[str] = field(default_factory=frozenset)

    @property
    def css(self) -> str:
        return self.style or self.name


@dataclass
class BlockKinds:
    """The registry: kinds by name, and other tools' names for them."""

    kinds: dict[str, BlockKind] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def register(self, kind: BlockKind, *aliases: str) -> None:
        self.kinds[kind.name] = kind
        for alias in aliases:
            self.aliases[alias] = kind.name

    def get(self, name: str) -> BlockKind | None:
        """The kind ``name`` names (case-insensitive; aliases too), or None."""
        key = name.lower()
        return self.kinds.get(self.aliases.get(key, key))

    def names(self) -> list[str]:
        """Every name a block may have, ours and the aliases."""
        return sorted({*self.kinds, *self.aliases})

    def suggest(self, name: str) -> str | None:
        """The name ``name`` was most likely meant to be."""
        return closest(name.lower(), self.names(), cutoff=0.6)


KINDS = BlockKinds()

_CALLOUTS = [
    # name, label, aliases (GitHub alerts, Quarto callouts, MyST admonitions, Carpentries)
    ("note", N_("Note"), ("callout-note", "callout", "admonition")),
    ("tip", N_("Tip"), ("callout-tip",)),
    ("important", N_("Important"), ("callout-important", "attention")),
    ("warning", N_("Warning"), ("callout-warning",)),
    ("caution", N_("Caution"), ("callout-caution", "danger", "error")),
    ("see-also", N_("See also"), ("seealso",)),
    ("key-concept", N_("Key concept"), ()),
    ("legal-text", N_("Legal text"), ()),
    ("case", N_("Case study"), ()),
    ("content-warning", N_("Content warning"), ()),
    ("objectives", N_("Objectives"), ("learning-objectives",)),
    ("questions", N_("Questions"), ()),
    ("keypoints", N_("Key points"), ("key-points",)),
    ("discussion", N_("Discussion"), ()),
    ("checklist", N_("Checklist"), ()),
    ("prereq", N_("Prerequisites"), ("prerequisites",)),
    ("testimonial", N_("Testimonial"), ()),
    ("spoiler", N_("More"), ("dropdown", "details")),
]
for _name, _label, _aliases in _CALLOUTS:
    KINDS.register(BlockKind(_name, _label), *_aliases)

KINDS.register(
    BlockKind("instructor", N_("Instructor's note"), "instructor", collect=frozenset({"teaching-notes"})),
    "instructor-note",
    "instructor-notes",
)
KINDS.register(BlockKind("guidelines", N_("Lecturer guidelines"), "instructor"), "lecturer-guidelines")
KINDS.register(BlockKind("debrief", N_("Debrief"), "instructor"))
KINDS.register(BlockKind("model-answer", N_("Model answer"), "answer"))
KINDS.register(BlockKind("answer-space", N_("Your answer"), "handout", role="answer-space"))
KINDS.register(BlockKind("exercise", N_("Exercise"), role="exercise", collect=frozenset({"exercises"})), "challenge")
KINDS.register(
    BlockKind("solution", N_("Solution"), "answer", role="solution", collect=frozenset({"solutions"})),
    "answer",
)
KINDS.register(BlockKind("hint", N_("Hint"), role="hint"))
# Quarto's tab sets and MyST's tabs, grids and cards print one panel after another, without a box
KINDS.register(BlockKind("group", None, role="container"), "panel-tabset", "tab", "group-tab", "tab-set", "grid")
KINDS.register(BlockKind("panel", None, role="panel"), "tab-item", "card", "grid-item-card", "grid-item")
# MyST's figure directive: ```{figure} path with :alt:, :width:, :name: and the caption as content
KINDS.register(BlockKind("figure", None, role="figure"))


def required(kind: BlockKind | None, outer: frozenset[str]) -> frozenset[str]:
    """The audiences an edition must show for a block inside text that needs ``outer``.

    Every enclosing block must be shown: a student-visible box inside an instructor note is
    instructor-only, a hint inside a solution is an answer.
    """
    if kind is None or kind.audience == "all":
        return outer
    return outer | {kind.audience}
