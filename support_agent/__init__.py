"""Handoff Studio's engine: state-machine support agents on LangChain v1 + LangGraph."""

from support_agent.agent import build_support_agent

__all__ = ["build_support_agent"]
