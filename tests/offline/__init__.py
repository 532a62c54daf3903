"""Tests of `support_agent/offline/`."""
