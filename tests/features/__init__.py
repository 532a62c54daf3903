"""Tests of `support_agent/features/`."""
