"""Benchmarks and evaluation scripts; results and exact commands are in docs/benchmarks.md."""
