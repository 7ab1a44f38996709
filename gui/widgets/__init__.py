"""Reusable widgets: tables, plots, data-set pickers and the run/cancel bar."""
