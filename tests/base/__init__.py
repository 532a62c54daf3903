"""Tests of `support_agent/base/`."""
