"""Shards: a deterministic share of the targets for each CI node (``--shard K/N``, ``--shard auto``).

``auto`` reads the node's index and the node count from the variables CI systems set
(docs/scale.md):

- any CI: ``COURSEPACK_SHARD_INDEX`` (from 0, like Kubernetes, CircleCI, Buildkite, Knapsack
  Pro's ``KNAPSACK_PRO_CI_NODE_INDEX`` and GitHub's ``strategy.job-index``) and
  ``COURSEPACK_SHARD_TOTAL``; a GitHub Actions matrix sets them from the matrix;
- GitLab CI (``parallel: N``): ``CI_NODE_INDEX`` (from 1) and ``CI_NODE_TOTAL``, read only
  where ``GITLAB_CI`` is ``true`` (elsewhere ``CI_NODE_INDEX`` is Knapsack's, counted from 0);
  a GitLab job without ``parallel:`` (``CI_NODE_TOTAL=1``, no index) is one node;
- a Kubernetes indexed Job: ``JOB_COMPLETION_INDEX`` (from 0), and ``COURSEPACK_SHARD_TOTAL``
  from the Job's ``env`` (Kubernetes gives a pod no count).

Where several are set they must agree; anything missing, invalid or contradictory is one
line naming the variable and what to set (``OptionError``, a usage error).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from coursepack.errors import OptionError
from coursepack.matrix import Target

INDEX = "COURSEPACK_SHARD_INDEX"
TOTAL = "COURSEPACK_SHARD_TOTAL"
GITLAB_INDEX, GITLAB_TOTAL = "CI_NODE_INDEX", "CI_NODE_TOTAL"
K8S_INDEX = "JOB_COMPLETION_INDEX"
LOOKED_FOR = (
    f"{INDEX} and {TOTAL} (any CI), {GITLAB_INDEX} and {GITLAB_TOTAL} (GitLab CI, parallel:), "
    f"{K8S_INDEX} with {TOTAL} (a Kubernetes indexed Job)"
)


def shard(targets: list[Target], k: int, n: int) -> list[Target]:
    """The k-th of n deterministic shares of the targets (1-based).

    A target and the edition whose pages it cites stay in one shard: shares are made of
    (course, language, variant) families, dealt out in a fixed order.
    """
    families = sorted({(t.course.meta.id, t.lang, repr(t.variant)) for t in targets})
    mine = {f for i, f in enumerate(families) if i % n == k - 1}
    return [t for t in targets if (t.course.meta.id, t.lang, repr(t.variant)) in mine]


def from_environment(env: Mapping[str, str]) -> tuple[int, int]:
    """``(k, n)`` for ``--shard auto``: this node is the k-th of n (k from 1), from ``env``."""
    found: list[tuple[str, int, int]] = []  # (the variables, k, n)
    if _value(env, INDEX) is not None:
        n = _total(env, TOTAL, f"{INDEX} is set but {TOTAL} is not: set {TOTAL} to the number of shards")
        i = _index(env, INDEX, 0, n)
        found.append((f"{INDEX}={i} {TOTAL}={n}", i + 1, n))
    if _value(env, K8S_INDEX) is not None:
        why = f"{K8S_INDEX} is set (a Kubernetes indexed Job) but {TOTAL} is not: set it in the Job's env to spec.completions"
        n = _total(env, TOTAL, why)
        i = _index(env, K8S_INDEX, 0, n)
        found.append((f"{K8S_INDEX}={i} {TOTAL}={n}", i + 1, n))
    gitlab = env.get("GITLAB_CI") == "true"
    if _value(env, GITLAB_INDEX) is not None:
        if not gitlab:
            raise OptionError(
                f"{GITLAB_INDEX} is set but GITLAB_CI is not 'true': outside GitLab CI its numbering is unknown; "
                f"set {INDEX} (from 0) and {TOTAL} instead, or write --shard K/N"
            )
        n = _total(env, GITLAB_TOTAL, f"{GITLAB_INDEX} is set but {GITLAB_TOTAL} is not: set both, or neither")
        k = _index(env, GITLAB_INDEX, 1, n)
        found.append((f"{GITLAB_INDEX}={k} {GITLAB_TOTAL}={n}", k, n))
    if not found:
        if _value(env, TOTAL) is not None:
            raise OptionError(
                f"{TOTAL} is set but no index is: set {INDEX} on each node (from 0), "
                f"or run in a Kubernetes indexed Job ({K8S_INDEX})"
            )
        if gitlab and _value(env, GITLAB_TOTAL) is not None:
            n = _total(env, GITLAB_TOTAL, "")
            if n == 1:
                return 1, 1  # a GitLab job without parallel: is the only node
            raise OptionError(f"{GITLAB_TOTAL}={n} but {GITLAB_INDEX} is not set: set both, or neither")
        raise OptionError(f"found no shard variables: looked for {LOOKED_FOR}; set them, or write --shard K/N")
    if len({(k, n) for _, k, n in found}) > 1:
        said = "; ".join(what for what, _, _ in found)
        raise OptionError(f"the shard variables disagree ({said}): unset all but one, or write --shard K/N")
    return found[0][1], found[0][2]


def _value(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value; unset and empty are alike."""
    raw = env.get(name, "").strip()
    return raw or None


def _number(env: Mapping[str, str], name: str) -> int:
    raw = env[name].strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        shown = repr(raw) if len(raw) <= 20 else repr(raw[:20]) + "..."
        raise OptionError(f"{name}={shown} is not a number: set it to a whole number (at most 9 digits)")
    return int(raw)


def _total(env: Mapping[str, str], name: str, missing: str) -> int:
    if _value(env, name) is None:
        raise OptionError(missing)
    n = _number(env, name)
    if n < 1:
        raise OptionError(f"{name}={n}: set it to the number of shards, 1 or more")
    return n


def _index(env: Mapping[str, str], name: str, first: int, n: int) -> int:
    i = _number(env, name)
    if not first <= i < first + n:
        raise OptionError(
            f"{name}={i} with {n} shard(s): it counts from {first}, so it must be {first} to {first + n - 1}"
        )
    return i
