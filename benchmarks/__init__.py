"""stepgrad benchmarks."""
