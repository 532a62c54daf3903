"""The core: the workflow declaration, the graphs built from it, the middleware and the engine.

A declaration (`declaration`) is checked once (`declaration_checks`); the
builders make a compiled LangGraph graph from it; `engine` runs one customer
turn on that graph as neutral events; `diagram`, `state_view` and `timeline`
read a thread's state for people; `slide_diagram` saves the drawing as a file.
"""
