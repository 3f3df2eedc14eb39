"""coursepack: structured course content in, typeset PDF teaching packs out."""

__version__ = "0.1.0"
