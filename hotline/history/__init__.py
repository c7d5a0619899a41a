"""A city's history, generated through the real tables: ``flask hotline generate-history``."""
