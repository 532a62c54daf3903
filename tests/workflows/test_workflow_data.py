"""Each workflow's offline data file: loaded and checked, and a bad one is named by file:line."""

from pathlib import Path

import pytest

from support_agent.offline.rule_files import DataError, load_data, workflow_data
from support_agent.workflows import WORKFLOWS

GOOD = """\
cues:
  intent:
    - label: support
      pattern: '\\bbroken\\b'
"""


def test_every_workflow_with_intents_has_a_data_file_that_loads():
    for name in ("support", "handoffs", "returns"):
        assert workflow_data(name).cues, name
    assert {"support", "handoffs", "returns"} <= set(WORKFLOWS)


def test_each_step_of_a_workflow_has_its_words_in_its_data_file_and_no_other():
    for name in ("support", "handoffs", "returns"):
        data, workflow = workflow_data(name), WORKFLOWS[name]
        assert list(data.steps) == workflow.step_names, name
        assert all(data.steps[s.name].prompt == s.prompt for s in workflow.steps), name
    with pytest.raises(KeyError, match="no step 'lookup' under steps"):
        workflow_data("returns").step_words("lookup")


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        # a regex that does not compile, on line 6
        (
            GOOD + "    - label: support\n      pattern: '(unclosed'\n",
            6,
            "not a regular expression",
        ),
        # a cue without its label, on line 5
        (GOOD + "    - pattern: 'x'\n", 5, "label"),
        # a key the format does not have
        (GOOD + "replies: {}\n", 5, "replies"),
        # a rule with a field rules do not have, on line 7
        (GOOD + "rules:\n  - tool: record_issue_type\n    sayy: hello\n", 7, "sayy"),
        # a step without its prompt: named at its first line, 7
        (GOOD + "steps:\n  intake:\n    title: Intake\n", 7, "prompt"),
        # YAML that does not parse: an unclosed quote
        (GOOD + "    - label: 'support\n", 6, ""),
    ],
)
def test_a_malformed_data_file_names_its_file_and_line(tmp_path: Path, text, line, says):
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_data(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert says in message
