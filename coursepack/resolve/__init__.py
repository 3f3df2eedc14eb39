"""Stage 3: a loaded course numbered and cross-referenced into what an edition prints."""
