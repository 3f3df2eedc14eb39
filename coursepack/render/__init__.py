"""Stage 4: the theme, the editions and the HTML each writes."""
