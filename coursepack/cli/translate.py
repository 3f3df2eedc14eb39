"""``coursepack translate`` (start or update a language) and ``coursepack status`` (drift)."""

from __future__ import annotations

from pathlib import Path

import click

from coursepack.cli.app import (
    _course_dirs,
    _fail,
    _run,
    course_args,
    debug_opt,
    main,
)


@main.command()
@click.argument("course_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("lang")
@click.option(
    "--update",
    "update",
    multiple=True,
    metavar="FILE",
    help="Record FILE (e.g. units/intro.md) as translated from the current source.",
)
@debug_opt
def translate(course_dir: Path, lang: str, update: tuple[str, ...], debug: bool) -> None:
    """Start translating COURSE_DIR into LANG: copy every file to translate into translations/LANG/.

    Copies hold only text (ids, durations and other language-neutral data stay in the source)
    and record which version of the source they were made from, so `coursepack status` can
    report what is outdated. Existing translation files are never overwritten.

    \b
    Example:
      coursepack translate content/cybercrime-tip-som fr
      coursepack translate content/cybercrime-tip-som fr --update units/legal-framework.md
    """
    from coursepack.build import load_and_check
    from coursepack.content.translation import start

    checked = _run(debug, load_and_check, [course_dir], False, [lang])  # other translations do not matter here
    for line in _run(debug, start, checked.courses[0], lang, list(update) or None):
        click.echo(line)


@main.command()
@course_args
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PERCENT",
    help="Exit 1 if a language is less translated than this.",
)
@click.option("--diff/--no-diff", default=True, show_default=True, help="Show what changed in outdated sources.")
@debug_opt
def status(
    course_dirs: tuple[Path, ...], langs: tuple[str, ...], fail_under: float | None, diff: bool, debug: bool
) -> None:
    """Report each translation, file by file: translated, outdated, missing.

    An outdated file's source changed after it was translated; the diff shows how.

    \b
    Example:
      coursepack status content/cybercrime-tip-som --lang fr --fail-under 90
    """
    from coursepack.build import load_and_check
    from coursepack.content.translation import status as lang_status
    from coursepack.i18n import missing_words

    checked = _run(debug, load_and_check, _course_dirs(course_dirs), False, list(langs) or None)
    known = {lang for course in checked.courses for lang in course.languages}
    sources = {course.meta.language for course in checked.courses}
    if any(lang in sources for lang in langs):
        raise click.UsageError(
            f"--lang {', '.join(langs)}: the source language has nothing to translate; name a translation"
        )
    unknown = [lang for lang in langs if lang not in known]
    if unknown:
        raise click.UsageError(
            f"--lang {', '.join(unknown)}: not a language of the course ({', '.join(sorted(known))}); "
            "add it to 'languages' in course.yaml"
        )
    below = []
    for course in checked.courses:
        for lang in course.languages:
            if lang == course.meta.language or (langs and lang not in langs):
                continue
            st = lang_status(course, lang, checked.fallbacks[(course.meta.id, lang)])
            states = ("translated", "outdated", "untranslated", "missing", "untracked")
            counts = {s: sum(1 for f in st.files if f.state == s) for s in states}
            summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            click.echo(f"{course.meta.id} [{lang}]: {st.percent:.0f}% translated ({summary})")
            total, missing = missing_words(lang)
            if missing:
                click.echo(
                    f"  interface words: {len(missing)} of {total} missing from the catalog: {', '.join(missing)}"
                )
            else:
                click.echo(f"  interface words: all {total} translated")
            for f in st.files:
                note = ""
                if f.fallback:
                    shown = "; ".join(f.fallback[:3]) + (" ..." if len(f.fallback) > 3 else "")
                    note = f" ({len(f.fallback)} part(s) still in {course.meta.language}: {shown})"
                if f.lacks:
                    note += f" ({f.lacks})"
                click.echo(f"  {f.state:<10} {f.path}{note}")
                if diff and f.diff:
                    for line in f.diff:
                        click.echo(f"      {line}")
            if fail_under is not None and st.percent < fail_under:
                below.append(f"{course.meta.id} [{lang}] is {st.percent:.0f}% translated, under {fail_under:g}%")
    if below:
        _fail([f"error: {b}" for b in below])
