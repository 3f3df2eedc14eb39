"""``coursepack manifest merge``: the manifests of sharded builds joined into one."""

from __future__ import annotations

from pathlib import Path

import click

from coursepack.cli.app import (
    _fail,
    main,
)
from coursepack.errors import display_path


@main.group()
def manifest() -> None:
    """Work with manifest.json files."""


@manifest.command("merge")
@click.argument("manifests", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("output/manifest.json"),
    show_default=True,
    help="The joined manifest.",
)
def manifest_merge(manifests: tuple[Path, ...], output: Path) -> None:
    """Join the manifests of sharded builds (--shard K/N or auto) into one.

    \b
    Example:
      coursepack manifest merge shard-*/manifest.json -o output/manifest.json
    """
    from coursepack.build.write import merge_manifests

    try:
        count = merge_manifests(list(manifests), output)
    except ValueError as exc:
        _fail([f"error: {exc}"])
    click.echo(f"{display_path(output)}: {count} artefact(s) from {len(manifests)} manifest(s)")
