"""Scenario tests for people who don't read code: YAML files of customer turns and
expectations (`file_format`), run and checked (`runner`), their `coverage`, and drafts made
from a conversation (`from_thread`). The command line is `support_agent.scenario_cli`.
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
