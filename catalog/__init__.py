"""Products, placements, stock and search."""
