"""The bottom layer: extensions, clock, errors — nothing here imports a domain package."""
