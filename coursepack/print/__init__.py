"""Print production: imposition, marks and the preflight checks."""
