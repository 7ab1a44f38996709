"""Loaders: the only code in :mod:`analytics` that touches files or the network."""
