"""When no step rule moves the machine, what the agent says depends on what the
customer said: messages of different kinds never get the same words back."""

import pytest
import yaml

from support_agent.features.scenarios import load_scenario, run_scenario
from support_agent.workflows import WORKFLOWS

# One message of each kind, none of which answers a step's question.
KINDS = {
    "greeting": "hi",
    "abilities": "What can you actually do for me?",
    "presence": "hello?? are you there",
    "unclear": "the thing with the stuff",
    "questions": "how long does it take? and how much does it cost",
}


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS))
def test_messages_of_different_kinds_get_different_replies(tmp_path, workflow):
    path = tmp_path / "kinds.yaml"
    first = WORKFLOWS[workflow].initial
    path.write_text(
        yaml.safe_dump(
            {
                "name": "kinds",
                "workflow": workflow,
                "turns": list(KINDS.values()),
                "expect": {"final_step": first},
            }
        )
    )
    result = run_scenario(load_scenario(path), model="offline")
    assert result.passed, result.reason
    replies = {
        kind: " ".join(done.words) for kind, done in zip(KINDS, result.turns_done, strict=True)
    }
    assert all(replies.values())
    same = [(a, b) for a in replies for b in replies if a < b and replies[a] == replies[b]]
    assert not same, same
    assert "To repeat" not in " ".join(replies.values())
