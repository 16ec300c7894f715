"""Benchmarks: ``python bench/run.py`` runs them all and prints one table."""
