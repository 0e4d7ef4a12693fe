"""Benchmarks of the registry (not timed tests): run with `make bench`, see bench/README.md."""
