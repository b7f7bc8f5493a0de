"""Deterministic stand-ins for external services, started by the tests on loopback."""
