"""Fixtures for export round trips: the e2e CLI runner (in-process, stdout and stderr apart)."""

from e2e.conftest import cli

__all__ = ["cli"]
