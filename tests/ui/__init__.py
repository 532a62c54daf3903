"""Tests of the Streamlit app (`support_agent/ui/`, `app_pages/`), AppTest and Chromium."""
