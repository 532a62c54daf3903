"""Scenario tests for people who don't read code: YAML files of customer turns and expectations.

- `model`: the file format (pydantic), loading with errors that name the file and field.
- `runner`: `run_scenario` / `run_many` through the engine's `run_turn`, every failure reason.
- `coverage`: which steps and declared transitions no scenario reached.
- `from_thread`: a finished conversation turned into a scenario.
- `python -m support_agent scenarios run [PATHS…]`: the command line (`support_agent.scenario_cli`, a face).
"""

from support_agent.features.scenarios.coverage import Coverage, coverage
from support_agent.features.scenarios.file_format import (
    Expectations,
    Scenario,
    ScenarioLoadError,
    load_each,
    load_paths,
    load_scenario,
    parse_yaml,
    scenarios_dir,
)
from support_agent.features.scenarios.runner import ScenarioResult, run_many, run_scenario

__all__ = [
    "Coverage",
    "Expectations",
    "Scenario",
    "ScenarioLoadError",
    "ScenarioResult",
    "coverage",
    "load_each",
    "load_paths",
    "load_scenario",
    "parse_yaml",
    "run_many",
    "run_scenario",
    "scenarios_dir",
]
