"""Prompt templates name plain state keys only, and filling them never runs code."""

from typing import get_type_hints

import pytest

from support_agent.core.prompting import TemplateError, fill_prompt, placeholders, validate_template
from support_agent.workflows.support import SUPPORT

STATE_KEYS = set(get_type_hints(SUPPORT.state_schema))


def test_placeholders_in_order_without_repeats():
    template = "Status {warranty_status}, type {issue_type}, again {warranty_status}."
    assert placeholders(template) == ["warranty_status", "issue_type"]


def test_no_placeholders_and_escaped_braces():
    assert placeholders("Plain text") == []
    assert placeholders('JSON looks like {{"a": 1}}') == []


def test_validate_template_returns_the_names():
    assert validate_template("{issue_type}", {"issue_type", "other"}) == ["issue_type"]


def test_unknown_placeholder_names_it_and_lists_the_allowed_ones():
    with pytest.raises(TemplateError) as err:
        validate_template("Hi {customer_name}", {"warranty_status", "issue_type"})
    message = str(err.value)
    assert "{customer_name}" in message
    assert "{issue_type}" in message and "{warranty_status}" in message


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("Stray { brace", "brace"),
        ("Stray } brace", "brace"),
        ("Unclosed {warranty_status", "brace"),
        ("{warranty_status.__class__}", "plain name"),
        ("{a.b}", "plain name"),
        ("{a[0]}", "plain name"),
        ("{0}", "plain name"),
        ("{a b}", "plain name"),
        ("{a!r}", "format option"),
        ("{a:>10}", "format option"),
        ("{a!s:^4}", "format option"),
        ("{}", "Empty placeholder"),
    ],
)
def test_unsafe_or_broken_templates_are_refused_clearly(template, words):
    allowed = {"a", "warranty_status"}
    with pytest.raises(TemplateError) as err:
        validate_template(template, allowed)
    assert words in str(err.value)
    with pytest.raises(TemplateError):
        placeholders(template)
    with pytest.raises(TemplateError):
        fill_prompt(template, {"a": 1, "warranty_status": "in_warranty"})


def test_stray_brace_message_says_how_to_write_a_literal_brace():
    with pytest.raises(TemplateError) as err:
        placeholders("Use { carefully")
    assert "{{" in str(err.value)


def test_fill_prompt_fills_and_marks_missing_values():
    template = "Warranty: {warranty_status}; issue: {issue_type}; {{literal}}"
    assert fill_prompt(template, {"warranty_status": "in_warranty"}) == (
        "Warranty: in_warranty; issue: unknown; {literal}"
    )
    assert fill_prompt("{issue_type}", {}, missing="?") == "?"


def test_filled_values_are_not_expanded_again():
    values = {"warranty_status": "{issue_type} {0.__class__} {", "issue_type": "hardware"}
    assert fill_prompt("[{warranty_status}]", values) == "[{issue_type} {0.__class__} {]"


class Spy:
    """A value that records any attribute or item access made on it."""

    def __init__(self):
        object.__setattr__(self, "touched", [])

    def __getattribute__(self, name):
        if name not in ("touched", "__str__", "__class__", "__dict__"):
            object.__getattribute__(self, "touched").append(name)
        return object.__getattribute__(self, name)

    def __getitem__(self, key):
        self.touched.append(f"[{key}]")
        return "item"

    def __format__(self, spec):
        self.touched.append(f"format:{spec}")
        return "formatted"

    def __str__(self):
        return "spy"


def test_fill_prompt_never_walks_attributes_or_items():
    spy = Spy()
    for template in ("{v.secret}", "{v[0]}", "{v.__init__.__globals__}", "{v:>5}", "{v!r}"):
        with pytest.raises(TemplateError):
            fill_prompt(template, {"v": spy})
    assert spy.touched == []
    assert fill_prompt("{v}", {"v": spy}) == "spy"  # only str() of the value itself
    assert spy.touched == []


@pytest.mark.parametrize("step", SUPPORT.steps, ids=lambda s: s.name)
def test_every_support_step_prompt_validates_against_the_state(step):
    names = validate_template(step.prompt, STATE_KEYS)
    # A prompt names only facts its step requires, so it never reads "unknown".
    assert set(names) <= set(step.requires)
    facts = {"warranty_status": "in_warranty", "issue_type": "hardware"}
    filled = SUPPORT.render_prompt(step.name, facts)
    assert "{" not in filled and "unknown" not in filled
    for name in names:
        assert facts[name] in filled


def test_state_keys_include_the_recorded_facts():
    assert {"warranty_status", "issue_type", "current_step", "messages"} <= STATE_KEYS
