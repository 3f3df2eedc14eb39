"""Generate docs/cli.md from the commands' own --help, so the reference cannot drift."""

from __future__ import annotations

from click.testing import CliRunner

from coursepack.cli import main

COMMANDS = [
    [],
    ["new"],
    ["build"],
    ["check"],
    ["preflight"],
    ["preview"],
    ["translate"],
    ["status"],
    ["schema"],
    ["import"],
]


def render() -> str:
    parts = [
        "# Command-line reference\n\n",
        "Generated from `--help` by `python -m coursepack.cli.doc > docs/cli.md` (a test checks it is current).\n\n",
        "Exit status: 0 success, 1 content or build errors, 2 usage errors.\n",
    ]
    for args in COMMANDS:
        result = CliRunner().invoke(main, [*args, "--help"], prog_name="coursepack", terminal_width=100)
        title = " ".join(["coursepack", *args])
        parts.append(f"\n## `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    print(render(), end="")
