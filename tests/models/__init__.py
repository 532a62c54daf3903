"""Tests of `support_agent/models/`."""
