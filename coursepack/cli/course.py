"""``coursepack migrate``, ``schema`` and ``plugins``: the course format and its extensions."""

from __future__ import annotations

from pathlib import Path

import click

from coursepack.cli.app import (
    PLUGINS,
    _course_dirs,
    _run,
    course_args,
    main,
)
from coursepack.errors import display_path


@main.command()
@course_args
@click.option("--dry-run", is_flag=True, help="List the files that would change, and change nothing.")
def migrate(course_dirs: tuple[Path, ...], dry_run: bool) -> None:
    """Rewrite old '/// name | Title' blocks as fenced divs ('::: name Title').

    Every Markdown file of each course is rewritten in place, translations included; only the
    block lines change. Run it once after upgrading from coursepack 0.1.

    \b
    Example:
      coursepack migrate content/my-course --dry-run
    """
    from coursepack.content.migrate import migrate as rewrite

    total = 0
    for course in _course_dirs(course_dirs):
        for done in _run(False, rewrite, course, dry_run):
            click.echo(f"{display_path(done.path)}: {done.blocks} block(s)")
            total += done.blocks
    verb = "would be rewritten" if dry_run else "rewritten"
    click.echo(f"{total} block(s) {verb}." if total else "Nothing to rewrite: no old '///' blocks.")


@main.command()
@click.argument(
    "name", required=False, type=click.Choice(["course", "unit", "exercise", "reading", "plan", "assessment"])
)
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="Write every schema into this folder."
)
def schema(name: str | None, output: Path | None) -> None:
    """Print the JSON Schema of course.yaml (or of NAME), or write them all with --output.

    \b
    Example:
      coursepack schema unit > unit.schema.json
      coursepack schema --output docs/schema
    """
    from coursepack.content import schema as schemas

    if output:
        for path in schemas.write_all(output):
            click.echo(display_path(path))
    else:
        click.echo(schemas.dumps(name or "course"), nl=False)


@main.command()
def plugins() -> None:
    """List the installed plugins and what each adds (block kinds, exercise kinds, editions, themes).

    A plugin is an installed package with an entry point in the 'coursepack' group; see
    docs/plugins.md. A course folder cannot add one.
    """
    assert PLUGINS is not None  # (a plugin that failed stopped the command already)
    if not PLUGINS.plugins:
        click.echo("No plugins installed (docs/plugins.md says how to write one).")
        return
    for name in PLUGINS.plugins:
        kinds = sorted(k for k, p in PLUGINS.kinds.items() if p == name)
        exercise_kinds = sorted(k for k, p in PLUGINS.exercise_kinds.items() if p == name)
        editions = sorted(e for e, p in PLUGINS.editions.items() if p == name)
        click.echo(name)
        for what, items in (("block kinds", kinds), ("exercise kinds", exercise_kinds), ("editions", editions)):
            if items:
                click.echo(f"  {what}: {', '.join(items)}")
    for theme, folder in sorted(PLUGINS.themes.items()):
        click.echo(f"theme {theme}: {folder}")
