"""Streamlit widgets for Handoff Studio: the only part of the engine that imports Streamlit."""
