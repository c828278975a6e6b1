"""Benchmarks run by `cxloop bench NAME` (each module has `main(argv)`)."""
