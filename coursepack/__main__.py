"""Allow ``python -m coursepack``."""

from coursepack.cli import main

main()
