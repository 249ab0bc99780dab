"""Benchmarks of the sync against a local HAPI FHIR server, side by side with baselines.

Entry point: ``bench/run`` (see docs/bench.md). Speed and memory are measured here and never
asserted in tests; the tests only check the harness's pure parts.
"""
