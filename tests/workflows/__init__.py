"""Tests of `support_agent/workflows/`."""
