"""Tests of `support_agent/core/`."""
