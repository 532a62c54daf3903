"""The agent middleware the builders put around every step's model and tools."""
