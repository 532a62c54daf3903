"""The declared workflows (one module each, with its data in `data/`) and their registry,
`WORKFLOWS`: every `Workflow` declared at module level here, by `rank`, then name.
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
