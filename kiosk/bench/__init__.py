"""Benchmarks over the real stack (pcscd, virtual cards, the simulator); figures go to docs/performance.md."""
