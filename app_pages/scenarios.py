"""Scenarios: run the YAML scenarios against the chosen model, see paths and coverage."""

import streamlit as st

from support_agent.ui import scenario_widgets
from support_agent.ui.app_context import context

ctx = context()
st.title("Scenarios")
st.caption(
    "Each scenario replays a customer's messages and checks where the conversation ended: "
    "the step, the recorded facts, the tools called and the path of steps."
)

scenarios = scenario_widgets.load()
chosen = scenario_widgets.picker(scenarios)
scenario_widgets.run_button(ctx, chosen)

if not (run := scenario_widgets.last_run()):
    scenario_widgets.sidebar_before_a_run(ctx, chosen)
else:
    st.subheader("Results")
    scenario_widgets.results_table(run)
    st.subheader("Path on the state machine")
    scenario_widgets.path_view(run, prefer=ctx.flow.name)
    st.subheader("Coverage")
    scenario_widgets.coverage_view(run)
