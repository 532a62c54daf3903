"""Tests of `support_agent/service/`."""
