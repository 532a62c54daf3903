"""Tests of `support_agent/store/`."""
