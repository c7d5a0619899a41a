"""Dispatch: the responsibility list, address → grid, 110 linkage and duplicate detection."""
