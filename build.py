#!/usr/bin/env python3
"""Build every pack in content/ into output/ (the same as ``coursepack build``)."""

import sys

if __name__ == "__main__":
    # imported here: each typesetting worker runs this file again on start, and needs none of it
    from coursepack.cli import main

    main(["build", *sys.argv[1:]])
