"""Handoff Studio: state-machine support agents on LangChain v1 + LangGraph.

The folders are the layers, top first; every import points down
(`tests/test_layers.py` holds that):

    ui/, cli, server_graphs, __main__   faces: Streamlit, terminal, LangGraph's server
    service/                            one conversation turn's whole life
    core/, workflows/, features/        declaration, graphs, middleware, engine;
                                        the declared workflows; tickets, approvals,
                                        prompt versions, experiments, scenarios
    models/                             choosing a chat model (providers, deadline)
    offline/                            the offline model and how it reads customers
    store/                              checkpointers, threads, leases
    base/                               settings, logging, one-line text
"""

from support_agent.workflows.builders import build_handoffs_graph, build_support_agent

__all__ = ["build_handoffs_graph", "build_support_agent"]
