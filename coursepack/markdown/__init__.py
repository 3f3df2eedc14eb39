"""Stage 3 — Markdown: one parse of each file into one tree, which every later stage reads.

``parser`` sets up markdown-it-py (CommonMark and the extensions course material uses),
``divs`` reads fenced divs, ``blocks`` is the registry of block kinds, ``document`` holds a
parsed file (its tree, notes, headings and sections), ``render`` writes an edition's HTML
from the tree, ``code`` sets code, ``sanitize`` is the last line of defence.
"""
