"""Benchmark task plugins, one folder each (see linguacodus.bench.registry)."""
