"""Developer scripts; `python -m scripts.bench.NAME` runs a benchmark from the repository root."""
