"""Cutting a customer's message into the questions it asks."""

from support_agent.offline.questions import parts, questions, quoted


def test_each_question_of_a_message_is_found_with_or_without_its_question_mark():
    assert questions("does warranty cover water damage? and how long will it take") == [
        "does warranty cover water damage",
        "how long will it take",
    ]
    assert questions("I bought it last week. Can I still return it?") == ["Can I still return it"]
    assert questions("my screen is cracked") == []


def test_parts_split_on_other_matters_and_sentences_only_when_asked():
    text = "do you have a student discount? also my login keeps failing. it says error"
    assert parts(text) == [
        "do you have a student discount",
        "my login keeps failing. it says error",
    ]
    assert parts(text, sentences=True)[-2:] == ["my login keeps failing", "it says error"]


def test_a_question_said_back_is_plain_short_text():
    # No Markdown and no web address comes back in the agent's voice.
    assert quoted("can you [click here](http://x.example) **now** $x$") == (
        "can you click here a link now x"
    )
    assert len(quoted("why " * 60)) <= 80 and quoted("why " * 60).endswith("…")
