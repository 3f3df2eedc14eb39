"""`--shard auto` (coursepack/build/sharding.py): the CI variables it reads, its errors, and the
recipes of docs/scale.md, each read from the page and run node by node over the sample course."""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import shlex
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from coursepack.build import load_and_check
from coursepack.build.sharding import from_environment, shard
from coursepack.cli import main
from coursepack.content.load import find_courses
from coursepack.errors import OptionError
from coursepack.matrix import Target, plan_targets

from conftest import EPOCH, FIXTURES, ROOT

SCALE = ROOT / "docs" / "scale.md"
SHARD_VARS = (
    "COURSEPACK_SHARD_INDEX",
    "COURSEPACK_SHARD_TOTAL",
    "CI_NODE_INDEX",
    "CI_NODE_TOTAL",
    "GITLAB_CI",
    "JOB_COMPLETION_INDEX",
)
NO_SHARD_VARS: dict[str, str | None] = dict.fromkeys(SHARD_VARS)  # (CliRunner: None unsets, e.g. this suite's own CI's)


# --- from_environment -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "share"),
    [
        ({"COURSEPACK_SHARD_INDEX": "0", "COURSEPACK_SHARD_TOTAL": "4"}, (1, 4)),
        ({"COURSEPACK_SHARD_INDEX": "3", "COURSEPACK_SHARD_TOTAL": "4"}, (4, 4)),
        ({"COURSEPACK_SHARD_INDEX": " 0 ", "COURSEPACK_SHARD_TOTAL": "1"}, (1, 1)),  # one node
        ({"GITLAB_CI": "true", "CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "3"}, (1, 3)),
        ({"GITLAB_CI": "true", "CI_NODE_INDEX": "3", "CI_NODE_TOTAL": "3"}, (3, 3)),
        ({"GITLAB_CI": "true", "CI_NODE_TOTAL": "1"}, (1, 1)),  # a GitLab job without parallel:
        ({"JOB_COMPLETION_INDEX": "0", "COURSEPACK_SHARD_TOTAL": "5"}, (1, 5)),
        ({"JOB_COMPLETION_INDEX": "4", "COURSEPACK_SHARD_TOTAL": "5"}, (5, 5)),
        # several sources that agree
        ({"JOB_COMPLETION_INDEX": "2", "COURSEPACK_SHARD_INDEX": "2", "COURSEPACK_SHARD_TOTAL": "5"}, (3, 5)),
        (
            {"GITLAB_CI": "true", "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "2"}
            | {"COURSEPACK_SHARD_INDEX": "1", "COURSEPACK_SHARD_TOTAL": "2"},
            (2, 2),
        ),
        # empty is unset; other variables are ignored
        ({"COURSEPACK_SHARD_INDEX": "", "GITLAB_CI": "true", "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "2"}, (2, 2)),
        (
            {"CI": "true", "GITHUB_ACTIONS": "true", "COURSEPACK_SHARD_INDEX": "1", "COURSEPACK_SHARD_TOTAL": "2"},
            (2, 2),
        ),
    ],
)
def test_auto_reads_the_share_each_ci_gives(env: dict[str, str], share: tuple[int, int]) -> None:
    assert from_environment(env) == share


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {},
            [
                "found no shard variables",
                "COURSEPACK_SHARD_INDEX",
                "COURSEPACK_SHARD_TOTAL",
                "CI_NODE_INDEX",
                "CI_NODE_TOTAL",
                "JOB_COMPLETION_INDEX",
                "--shard K/N",
            ],
        ),
        ({"COURSEPACK_SHARD_INDEX": "", "COURSEPACK_SHARD_TOTAL": ""}, ["found no shard variables"]),
        ({"COURSEPACK_SHARD_INDEX": "1"}, ["COURSEPACK_SHARD_TOTAL is not", "set COURSEPACK_SHARD_TOTAL"]),
        ({"COURSEPACK_SHARD_TOTAL": "4"}, ["no index", "set COURSEPACK_SHARD_INDEX"]),
        (
            {"COURSEPACK_SHARD_INDEX": "4", "COURSEPACK_SHARD_TOTAL": "4"},  # a matrix counted from 1
            ["COURSEPACK_SHARD_INDEX=4", "counts from 0, so it must be 0 to 3"],
        ),
        (
            {"COURSEPACK_SHARD_INDEX": "-1", "COURSEPACK_SHARD_TOTAL": "4"},
            ["COURSEPACK_SHARD_INDEX='-1'", "whole number"],
        ),
        ({"COURSEPACK_SHARD_INDEX": "one", "COURSEPACK_SHARD_TOTAL": "4"}, ["COURSEPACK_SHARD_INDEX='one'"]),
        ({"COURSEPACK_SHARD_INDEX": "0", "COURSEPACK_SHARD_TOTAL": "4/4"}, ["COURSEPACK_SHARD_TOTAL='4/4'"]),
        (
            {"COURSEPACK_SHARD_INDEX": "0", "COURSEPACK_SHARD_TOTAL": "9" * 5000},
            ["COURSEPACK_SHARD_TOTAL=", "9 digits"],
        ),
        ({"COURSEPACK_SHARD_INDEX": "0", "COURSEPACK_SHARD_TOTAL": "0"}, ["COURSEPACK_SHARD_TOTAL=0", "1 or more"]),
        ({"JOB_COMPLETION_INDEX": "0"}, ["JOB_COMPLETION_INDEX is set", "COURSEPACK_SHARD_TOTAL", "completions"]),
        ({"JOB_COMPLETION_INDEX": "4", "COURSEPACK_SHARD_TOTAL": "4"}, ["JOB_COMPLETION_INDEX=4", "0 to 3"]),
        (
            {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "2"},
            ["CI_NODE_INDEX is set but GITLAB_CI", "COURSEPACK_SHARD_INDEX"],
        ),
        ({"GITLAB_CI": "true", "CI_NODE_INDEX": "0", "CI_NODE_TOTAL": "2"}, ["CI_NODE_INDEX=0", "from 1", "1 to 2"]),
        ({"GITLAB_CI": "true", "CI_NODE_INDEX": "1"}, ["CI_NODE_TOTAL is not"]),
        ({"GITLAB_CI": "true", "CI_NODE_TOTAL": "3"}, ["CI_NODE_TOTAL=3", "CI_NODE_INDEX is not set"]),
        (
            {"GITLAB_CI": "true", "CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "2"}
            | {"COURSEPACK_SHARD_INDEX": "1", "COURSEPACK_SHARD_TOTAL": "2"},
            ["disagree", "CI_NODE_INDEX=1", "COURSEPACK_SHARD_INDEX=1", "--shard K/N"],
        ),
        (
            {"JOB_COMPLETION_INDEX": "0", "COURSEPACK_SHARD_INDEX": "1", "COURSEPACK_SHARD_TOTAL": "2"},
            ["disagree", "JOB_COMPLETION_INDEX=0"],
        ),
    ],
)
def test_missing_or_wrong_variables_say_which_and_what_to_set(env: dict[str, str], said: list[str]) -> None:
    with pytest.raises(OptionError) as caught:
        from_environment(env)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400
    for words in said:
        assert words in message


def test_the_command_line_turns_them_into_usage_errors() -> None:
    """Exit status 2, one line naming the option and the variable, no traceback, nothing built."""
    runner = CliRunner()
    course = str(FIXTURES / "minimal")
    result = runner.invoke(main, ["build", course, "--shard", "auto"], env=NO_SHARD_VARS)
    assert result.exit_code == 2, result.output
    assert "--shard" in result.output and "found no shard variables" in result.output
    assert "Traceback" not in result.output and "building" not in result.output

    env = NO_SHARD_VARS | {"COURSEPACK_SHARD_INDEX": "2", "COURSEPACK_SHARD_TOTAL": "2"}
    result = runner.invoke(main, ["build", course, "--shard", "auto"], env=env)
    assert result.exit_code == 2 and "COURSEPACK_SHARD_INDEX=2" in result.output

    result = runner.invoke(main, ["build", course, "--shard", "automatic"], env=NO_SHARD_VARS)
    assert result.exit_code == 2 and "K/N" in result.output and "auto" in result.output
    assert "K/N|auto" in runner.invoke(main, ["build", "--help"]).output


# --- the recipes of docs/scale.md -------------------------------------------------------------


def recipes() -> dict[str, list[Any]]:
    """Each YAML block of docs/scale.md (its documents), by the file it names on its first line."""
    found: dict[str, list[Any]] = {}
    for block in re.findall(r"^```yaml\n(.*?)^```", SCALE.read_text(encoding="utf-8"), re.M | re.S):
        first = block.splitlines()[0]
        assert first.startswith("# "), f"a YAML block of docs/scale.md does not name its file: {first!r}"
        found[first.removeprefix("# ").strip()] = [doc for doc in yaml.safe_load_all(block) if doc is not None]
    return found


@pytest.fixture(scope="module")
def targets() -> list[Target]:
    """What the recipes' `coursepack build` plans: every course under content/."""
    checked = load_and_check(find_courses(ROOT / "content"))
    return plan_targets(checked.localized, Path("output"), None, None)


def expand(text: str, env: Mapping[str, str]) -> str:
    """A shell's $NAME and ${NAME} (those in ``env``; others are left as they are)."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), m.group(0)), text)


def github(text: str, context: Mapping[str, str]) -> str:
    """GitHub's ${{ expression }}, for the expressions of ``context`` only."""

    def value(m: re.Match[str]) -> str:
        assert m.group(1) in context, f"the recipe uses ${{{{ {m.group(1)} }}}}, which the test does not know"
        return context[m.group(1)]

    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", value, str(text))


def commands(script: str, program: str) -> list[list[str]]:
    """The commands of a shell script that start with ``program``, each split into words."""
    found = []
    for line in script.splitlines():
        for part in re.split(r"&&|;|\|\|", line):
            words = shlex.split(part)
            if words[: len(program.split())] == program.split():
                found.append(words)
    return found


def last_command(script: str) -> list[str]:
    parts = [p for line in script.splitlines() for p in re.split(r"&&|;|\|\|", line) if p.strip()]
    return shlex.split(parts[-1])


def option(words: list[str], name: str) -> str:
    assert name in words, f"{name} missing from {' '.join(words)}"
    return words[words.index(name) + 1]


def build_command(script: str) -> tuple[str, str]:
    """The folder `coursepack build --shard auto` writes on a node."""
    (words,) = commands(script, "coursepack build")
    assert option(words, "--shard") == "auto"
    assert not {"--lang", "--edition"} & set(words)  # (the test plans every target)
    out = option(words, "-o")
    assert "$" not in out, f"{out}: a variable the node does not set"
    return out, " ".join(words)


def glob_matches(pattern: str, path: str) -> bool:
    """A shell glob: ``*`` does not cross a ``/``."""
    a, b = PurePosixPath(pattern).parts, PurePosixPath(path).parts
    return len(a) == len(b) and all(fnmatch.fnmatchcase(y, x) for x, y in zip(a, b, strict=True))


def check_merge(words: list[str], manifests: list[str]) -> None:
    """`coursepack manifest merge GLOB... -o OUT` finds each node's manifest once, and not OUT."""
    assert words[:3] == ["coursepack", "manifest", "merge"]
    out = option(words, "-o")
    globs = [w for w in words[3:] if w not in ("-o", out)]
    for manifest in manifests:
        assert sum(glob_matches(g, manifest) for g in globs) == 1, f"{globs} do not find {manifest}"
    assert not any(glob_matches(g, out) for g in globs)


def check_shares(targets: list[Target], shares: list[tuple[int, int]]) -> None:
    """The nodes' shares: 1 to N once each, every target in exactly one, a family kept together."""
    (n,) = {n for _, n in shares}
    assert sorted(k for k, _ in shares) == list(range(1, n + 1))
    built = [[t for t in shard(targets, k, n)] for k, n in shares]
    outputs = [t.output for share in built for t in share]
    assert sorted(outputs) == sorted(t.output for t in targets) and len(set(outputs)) == len(targets)
    assert sum(1 for share in built if share) > 1  # the split splits
    for share in built:
        mine = {(t.course.meta.id, t.lang, t.variant, t.edition.name) for t in share}
        for t in share:  # an edition that cites another's pages is built with it
            assert not t.edition.needs or (t.course.meta.id, t.lang, t.variant, t.edition.needs) in mine


def needs(job: dict[str, Any]) -> list[str]:
    """A GitHub job's ``needs:``, one name or a list."""
    named = job.get("needs") or []
    return [named] if isinstance(named, str) else list(named)


def test_the_recipes_are_all_there() -> None:
    assert set(recipes()) == {
        ".github/workflows/packs.yml",
        ".gitlab-ci.yml",
        "coursepack-build.yaml",
        "coursepack-merge.yaml",
    }


def test_the_github_actions_matrix_builds_every_target_once(targets: list[Target]) -> None:
    (workflow,) = recipes()[".github/workflows/packs.yml"]
    jobs: dict[str, Any] = workflow["jobs"]
    ((build_id, job),) = [(i, j) for i, j in jobs.items() if "strategy" in j]
    matrix = job["strategy"]["matrix"]
    assert not {"include", "exclude"} & set(matrix)
    combos = [dict(zip(matrix, values, strict=True)) for values in itertools.product(*matrix.values())]
    steps = job["steps"]
    (run,) = [s for s in steps if "coursepack build" in s.get("run", "")]
    (upload,) = [s for s in steps[steps.index(run) :] if s.get("uses", "").startswith("actions/upload-artifact")]
    shares, artifacts = [], []
    for index, combo in enumerate(combos):  # each node, as GitHub sets it up
        context = {f"matrix.{k}": str(v) for k, v in combo.items()}
        context |= {"strategy.job-index": str(index), "strategy.job-total": str(len(combos))}
        env = {
            k: github(v, context) for k, v in {**workflow.get("env", {}), **job["env"], **run.get("env", {})}.items()
        }
        out, _ = build_command(github(run["run"], context))
        assert "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" in run["run"]  # the same on every node
        assert upload["with"]["path"].rstrip("/") == out
        shares.append(from_environment(env))
        artifacts.append(github(upload["with"]["name"], context))
    check_shares(targets, shares)
    assert len(set(artifacts)) == len(artifacts)  # one artifact a node

    ((_, merge),) = [(i, j) for i, j in jobs.items() if build_id in needs(j)]
    (download,) = [s for s in merge["steps"] if s.get("uses", "").startswith("actions/download-artifact")]
    assert all(fnmatch.fnmatchcase(a, download["with"]["pattern"]) for a in artifacts)
    assert not download["with"].get("merge-multiple")  # (so each artifact has its own folder)
    last = [s for s in merge["steps"] if "run" in s][-1]
    check_merge(last_command(last["run"]), [f"{download['with']['path']}/{a}/manifest.json" for a in artifacts])


def test_the_gitlab_parallel_job_builds_every_target_once(targets: list[Target]) -> None:
    (pipeline,) = recipes()[".gitlab-ci.yml"]
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    ((build_id, job),) = [(name, job) for name, job in jobs.items() if "parallel" in job]
    n = job["parallel"]
    assert isinstance(n, int) and n >= 2
    variables = {k: str(v) for k, v in {**pipeline.get("variables", {}), **job.get("variables", {})}.items()}
    shares, folders = [], []
    for i in range(1, n + 1):  # each node, as GitLab sets it up
        env = {"GITLAB_CI": "true", "CI_NODE_INDEX": str(i), "CI_NODE_TOTAL": str(n)} | variables
        out, _ = build_command(expand("\n".join(job["script"]), env))
        assert any(PurePosixPath(out).is_relative_to(p.rstrip("/")) for p in job["artifacts"]["paths"])
        shares.append(from_environment(env))
        folders.append(out)
    assert any(line.startswith("export SOURCE_DATE_EPOCH=$(git log") for line in job["script"])
    check_shares(targets, shares)
    assert len(set(folders)) == n  # the merge job unpacks every node's artifacts into one folder

    ((_, merge),) = [(name, j) for name, j in jobs.items() if build_id in j.get("needs", [])]
    check_merge(last_command(merge["script"][-1]), [f"{f}/manifest.json" for f in folders])


def test_the_kubernetes_indexed_job_builds_every_target_once(targets: list[Target]) -> None:
    found = recipes()
    (claim,) = [d for d in found["coursepack-build.yaml"] if d["kind"] == "PersistentVolumeClaim"]
    (job,) = [d for d in found["coursepack-build.yaml"] if d["kind"] == "Job"]
    (merge,) = found["coursepack-merge.yaml"]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    n = spec["completions"]
    assert 1 <= spec.get("parallelism", 1) <= n
    assert "ReadWriteMany" in claim["spec"]["accessModes"]  # pods on several machines write to it

    def container(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
        pod = doc["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        command = [*c.get("command", []), *c.get("args", [])]
        assert command[:2] == ["sh", "-c"]
        (mount,) = c["volumeMounts"]
        (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
        assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        return c, mount["mountPath"]

    c, mounted = container(job)
    env = {e["name"]: str(e["value"]) for e in c["env"]}
    assert env["COURSEPACK_SHARD_TOTAL"] == str(n)  # Kubernetes gives no count: the Job says it
    assert env["SOURCE_DATE_EPOCH"].isdigit()
    shares, folders = [], []
    for i in range(n):  # each pod, as the Job controller sets it up
        node = env | {"JOB_COMPLETION_INDEX": str(i)}
        out, _ = build_command(expand(c["command"][2], node))
        assert PurePosixPath(out).is_relative_to(mounted)
        shares.append(from_environment(node))
        folders.append(out)
    check_shares(targets, shares)
    assert len(set(folders)) == n

    m, merge_mounted = container(merge)
    assert merge_mounted == mounted
    check_merge(last_command(m["command"][2]), [f"{f}/manifest.json" for f in folders])


# --- end to end -------------------------------------------------------------------------------


def test_two_gitlab_nodes_build_their_shares_and_the_manifests_merge(tmp_path: Path, course_copy) -> None:  # type: ignore[no-untyped-def]
    """Two courses (two families), each GitLab node builds one course's reading list into its
    own folder; the joined manifest lists each PDF once."""
    other = course_copy("minimal")
    yaml_file = other / "course.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace("id: minimal\n", "id: minimal-b\n"), "utf-8")
    courses = [str(FIXTURES / "minimal"), str(other)]
    runner = CliRunner()
    shards = tmp_path / "shards"
    for k in (1, 2):
        env = NO_SHARD_VARS | {"GITLAB_CI": "true", "CI_NODE_INDEX": str(k), "CI_NODE_TOTAL": "2"}
        env["SOURCE_DATE_EPOCH"] = str(EPOCH)
        args = [
            "build",
            *courses,
            "--edition",
            "reading-list",
            "--shard",
            "auto",
            "-j",
            "1",
            "-o",
            str(shards / str(k)),
        ]
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        assert f"share {k} of 2" in result.output

    merged = tmp_path / "output" / "manifest.json"
    manifests = [str(shards / k / "manifest.json") for k in ("1", "2")]
    result = runner.invoke(main, ["manifest", "merge", *manifests, "-o", str(merged)])
    assert result.exit_code == 0, result.output
    artefacts = json.loads(merged.read_text(encoding="utf-8"))["artefacts"]
    paths = [a["path"] for a in artefacts]
    assert sorted(paths) == ["minimal-b/en/reading-list.pdf", "minimal/en/reading-list.pdf"]
    for a in artefacts:  # each built on exactly one node
        assert [k for k in ("1", "2") if (shards / k / a["path"]).is_file()] != []
        assert sum((shards / k / a["path"]).is_file() for k in ("1", "2")) == 1
