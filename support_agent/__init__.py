"""Handoff Studio's engine: state-machine support agents on LangChain v1 + LangGraph."""

from support_agent.agent import build_support_agent
from support_agent.handoffs import build_handoffs_graph

__all__ = ["build_handoffs_graph", "build_support_agent"]
