import pytest

from support_agent.base.yaml_text import YamlSyntaxError, checked_pattern, line_of, parse_yaml_text


def test_bad_yaml_names_its_line_and_column():
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml_text("name: ok\nturns: [a, b\n")
    assert caught.value.line == 3 and caught.value.column is not None


def test_a_location_finds_the_line_of_its_value():
    data, node = parse_yaml_text("a: 1\nb:\n  - x\n  - y\n")
    assert data == {"a": 1, "b": ["x", "y"]}
    assert line_of(node, ("b", 1)) == 4
    assert line_of(node, ("b", 9)) == 3  # past the end: the list it would be in


def test_empty_text_is_no_data():
    assert parse_yaml_text("") == (None, None)


def test_a_pattern_that_does_not_compile_says_so():
    assert checked_pattern("a+") == "a+"
    with pytest.raises(ValueError, match="is not a regular expression"):
        checked_pattern("(")
