"""The benchmark (``make bench``) and its synthetic courses: not part of the package, so not
in the wheel, nor in the digest of the tool that every build's cache key includes."""
