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


# Where the kinds are tried: the first step, and the step after one answer.
AT = [(name, [], WORKFLOWS[name].initial) for name in sorted(WORKFLOWS)] + [
    ("support", ["yes, it's under warranty"], "issue_classifier"),
    ("returns", ["my order number is 12345678"], "eligibility_check"),
    ("handoffs", ["I can't log in"], "support_agent"),
]


@pytest.mark.parametrize(("workflow", "lead", "step"), AT)
def test_messages_of_different_kinds_get_different_replies(tmp_path, workflow, lead, step):
    path = tmp_path / "kinds.yaml"
    scenario = {
        "name": "kinds",
        "workflow": workflow,
        "turns": [*lead, *KINDS.values()],
        # A question for the other agent may hand the conversation over: not checked.
        "expect": {"tools_not_called": ["escalate_to_human"]},
    }
    path.write_text(yaml.safe_dump(scenario))
    result = run_scenario(load_scenario(path), model="offline")
    assert result.passed, result.reason
    done = result.turns_done[len(lead) :]
    assert result.path[len(lead)] == step  # where the kinds were tried
    replies = {kind: " ".join(d.words) for kind, d in zip(KINDS, done, strict=True)}
    assert all(replies.values())
    same = [(a, b) for a in replies for b in replies if a < b and replies[a] == replies[b]]
    assert not same, same
    assert "To repeat" not in " ".join(replies.values())
