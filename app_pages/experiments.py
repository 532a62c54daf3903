"""Experiments: the same scenarios on two prompt versions or two models, side by side."""

import streamlit as st

from support_agent.ui import experiment_widgets, scenario_widgets
from support_agent.ui.app_context import context

ctx = context()
st.title("Experiments")
st.caption(
    "Run the same scenarios on A and B — two versions of one prompt, or two models — and "
    "see per scenario whether each passes, the path it took and the replies that differ."
)

what = experiment_widgets.choose_what(ctx)
workflow, arms = experiment_widgets.setup(ctx, what)
scenarios = scenario_widgets.load()
chosen = experiment_widgets.pick_scenarios(scenarios, workflow)
experiment_widgets.run_button(ctx, chosen, arms)

if experiment := experiment_widgets.shown_experiment(ctx):
    st.subheader("Results")
    experiment_widgets.summary(ctx, experiment)
    experiment_widgets.table(experiment)
    st.subheader("What differs")
    experiment_widgets.differences(experiment)

st.subheader("Kept experiments")
experiment_widgets.past(ctx)
