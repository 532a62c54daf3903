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
