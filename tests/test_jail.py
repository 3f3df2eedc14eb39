"""The one reader of a course's files: nothing outside the course folder, whatever the links."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursepack.jail import Outside, TooLarge, read_bytes


def test_links_out_of_the_course_are_refused(tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "units").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    (course / "units" / "a.md").write_text("text")
    (course / "units" / "passwd.md").symlink_to("/etc/passwd")
    (course / "units" / "up.md").symlink_to(secret)
    (course / "units" / "b.md").symlink_to(course / "units" / "a.md")  # inside: fine
    assert read_bytes(course / "units" / "b.md", [course]) == b"text"
    for name in ("passwd.md", "up.md"):
        with pytest.raises(Outside, match="leads outside the course folder"):
            read_bytes(course / "units" / name, [course])
    with pytest.raises(FileNotFoundError):
        (course / "units" / "gone.md").symlink_to(course / "nothing")
        read_bytes(course / "units" / "gone.md", [course])
    (course / "big.md").write_bytes(b"x" * 2000)
    with pytest.raises(TooLarge, match="larger than 1 KiB"):
        read_bytes(course / "big.md", [course], limit=1024)
