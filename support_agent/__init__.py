"""Handoff Studio: state-machine support agents on LangChain v1 + LangGraph.

The folders are the layers, top first; every import points down
(`tests/test_layers.py` holds that):

    ui/, cli, scenario_cli,             faces: Streamlit, terminal, LangGraph's server
    server_graphs, __main__
    service/                            one conversation turn's whole life
    features/                           tickets, approvals, prompt versions,
                                        experiments, scenarios
    workflows/                          the declared workflows, their registry, builders
    core/                               declaration, graphs, middleware, engine
    models/                             choosing a chat model (providers, deadline)
    offline/                            the offline model and how it reads customers
    store/                              checkpointers, threads, leases
    base/                               settings, logging, one-line text
"""

from support_agent.workflows.builders import build_handoffs_graph, build_support_agent

__all__ = ["build_handoffs_graph", "build_support_agent"]
