"""Benchmarks: ``python bench/run.py`` prints our time against the plain library way."""
