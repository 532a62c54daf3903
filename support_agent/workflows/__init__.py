"""The registry of workflows the app offers: every `Workflow` declared in this package.

A workflow is added by adding one module here that declares a `Workflow` at
module level (plus its offline understanding data); the picker, the diagram,
the prompt editor, scenarios, the CLI and LangGraph's server find it through
`WORKFLOWS`. They are listed by their `rank`, then name.
"""

from __future__ import annotations

import importlib
import pkgutil

from support_agent.core.declaration import Workflow


def _declared() -> list[Workflow]:
    found: dict[str, Workflow] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Workflow):
                if found.get(value.name, value) is not value:
                    raise ValueError(f"two workflows are named {value.name!r}")
                found[value.name] = value
    return sorted(found.values(), key=lambda w: (w.rank, w.name))


WORKFLOWS: dict[str, Workflow] = {w.name: w for w in _declared()}


def get_workflow(name: str) -> Workflow:
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise KeyError(f"Unknown workflow {name!r}; known: {', '.join(WORKFLOWS)}") from None
