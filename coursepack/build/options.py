"""What a build is asked to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coursepack.engine.workers import Limits
from coursepack.matrix import Variant


@dataclass
class Options:
    output: Path
    langs: list[str] | None = None
    editions: list[str] | None = None
    jobs: int = 1
    strict: bool = False
    use_cache: bool = True
    epoch: int | None = None  # SOURCE_DATE_EPOCH; default: each course's date
    review: bool = False  # mark fallback text, list it, and add bilingual proofs
    variants: list[Variant] | None = None  # None: the plain packs and the course's print_variants
    single: bool = False  # typeset each pack as one document instead of parts
    shard: tuple[int, int] | None = None  # (k, n): build only the k-th of n shares of the targets
    limits: Limits = field(default_factory=Limits)  # each typesetting job's time and memory
    wait: bool = True  # for another build that holds the output folder (False: fail at once)
    only: list[str] | None = None  # unit or exercise ids: their handouts and the student pack (matrix.only_targets)
