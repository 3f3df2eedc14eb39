#!/usr/bin/env python3
"""Build every pack in content/ into output/ (the same as ``coursepack build``)."""

import sys

from coursepack.cli import main

if __name__ == "__main__":
    main(["build", *sys.argv[1:]])
