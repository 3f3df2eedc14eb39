"""Stage 1: a course folder read into the typed model, localized and validated."""
