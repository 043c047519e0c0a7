"""Render benchmark: ``python -m bench.render`` (see docs/benchmarks.md, section Rendering)."""
