"""Long packs typeset as parts: cut (split), planned (plan), stitched (stitch, pagerefs, fontjoin)."""
