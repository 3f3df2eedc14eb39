"""The command line: one module per command group (``build``, ``check`` and ``preflight``,
``translate`` and ``status``, ``manifest``, ``new``, ``preview``, ``migrate``, ``schema`` and ``plugins``, ``import``) on
the group in ``app``. Exit status: 0 success, 1 content or build errors, 2 usage errors.
"""

from coursepack.cli import build, check, course, importer, manifest, new, preview, translate  # noqa: F401 (each registers its commands)
from coursepack.cli.app import main

__all__ = ["main"]
