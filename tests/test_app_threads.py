"""The Threads page: titles from what was recorded, renames, plurals, search and pages.

The pure rules (support_agent.features.thread_titles) first, then the page in AppTest.
"""

import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from streamlit.proto.LabelVisibility_pb2 import LabelVisibility
from streamlit.testing.v1 import AppTest

from support_agent.core.engine import TurnEnd
from support_agent.features.app_store import open_store
from support_agent.features.thread_titles import (
    Listed,
    automatic_title,
    describe,
    distinct,
    is_automatic,
    page_slice,
    pages,
    plural,
    showing,
    stored_form,
    topic,
)
from support_agent.offline.policy import SUMMARY_SOURCE
from support_agent.service.conversation import Conversation
from support_agent.workflows import get_workflow
from support_agent.workflows.builders import build_graph
from support_agent.workflows.handoffs import HANDOFFS
from support_agent.workflows.support import SUPPORT
from tests.helpers import click, send, start

CRACKED = "Hi, my phone screen is cracked"

# --- the pure rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (CRACKED, "Phone screen is cracked"),
        ("My battery is swollen", "Battery is swollen"),
        ("Hi, I'm having trouble with my account login. Can you help?", "Account login"),
        ("Hello there! How are you? My screen broke.", "Screen broke"),
        ("Hey team, so, um, quick question about pricing", "Pricing"),
        ("iPhone won't charge, please help", "iPhone won't charge"),  # case kept as written
        ("My laptop's battery is swollen and I bought it 3 years ago", "Laptop's battery is swollen and I bought it 3 years ago"),
        ("My screen is cracked, the glass is shattered everywhere and it cuts me", "Screen is cracked"),
        ("How much does the Business plan cost for 12 users?", "How much does the Business plan cost for 12 users"),
        ("Well-being app crashes", "Well-being app crashes"),  # "well" only as a word
        ("Hello!", "Hello"),  # nothing but a greeting: that is the topic
        ("   ", "Untitled conversation"),
    ],
)  # fmt: skip
def test_topic_strips_greetings_and_filler(message, expected):
    assert topic(message) == expected


def test_a_long_topic_is_cut_at_a_word():
    cut = topic("Screen " + "flickering " * 12)
    assert cut.endswith("…") and len(cut) <= 56 and "flickering flickering" in cut


def support_state(*, warranty=None, issue=None, step=None, turn=1, first=CRACKED) -> dict:
    return {
        "messages": [HumanMessage(first), AIMessage("Is it under warranty?")],
        "warranty_status": warranty,
        "issue_type": issue,
        "current_step": step,
        "turn": turn,
    }


def test_automatic_title_is_the_topic_and_the_recorded_facts_in_words():
    assert automatic_title(SUPPORT, support_state(), CRACKED) == "Phone screen is cracked"
    state = support_state(warranty="in_warranty", issue="hardware", step="resolution_specialist")
    assert automatic_title(SUPPORT, state, CRACKED) == (
        "Phone screen is cracked · In warranty · Hardware"
    )
    state = support_state(warranty="out_of_warranty", step="issue_classifier")
    assert automatic_title(SUPPORT, state, CRACKED) == "Phone screen is cracked · Out of warranty"


def test_without_facts_the_title_names_the_active_agent():
    login = "Hi, I'm having trouble with my account login. Can you help?"
    state = {"messages": [HumanMessage(login)], "active_agent": "support_agent"}
    assert automatic_title(HANDOFFS, state, login) == "Account login · Support agent"


def record(title: str, thread_id: str = "t1", updated_at: str = "2026-06-15T10:00:00+00:00"):
    return {"thread_id": thread_id, "title": title, "updated_at": updated_at}


def test_a_stored_first_message_is_automatic_and_anything_else_is_the_users():
    state = support_state(warranty="in_warranty")
    auto = describe(SUPPORT, record(stored_form(CRACKED)), state)
    assert auto.automatic and auto.title == "Phone screen is cracked · In warranty"
    mine = describe(SUPPORT, record("Alice's phone"), state)
    assert not mine.automatic and mine.title == "Alice's phone"
    assert mine.facts == ("In warranty",) and mine.step == "Warranty verification"
    # "Copy of …" (a forked thread) was not written by touch: kept as it is
    assert describe(SUPPORT, record(f"Copy of {CRACKED}"), state).title == f"Copy of {CRACKED}"
    # touch collapses spaces and cuts at 80 characters; so does the comparison
    long = "My   phone " + "is broken " * 12
    assert is_automatic(stored_form(long), [long]) and not is_automatic(long, [long])


def test_a_summarized_thread_knows_its_first_message_from_the_turn_points():
    summary = HumanMessage(
        "Earlier: cracked screen", additional_kwargs={"lc_source": SUMMARY_SOURCE}
    )
    state = {"messages": [summary, HumanMessage("ok")], "warranty_status": "in_warranty"}
    stored = record(stored_form(CRACKED))
    listed = describe(SUPPORT, stored, state, first_messages=[CRACKED])
    assert listed.automatic and listed.title == "Phone screen is cracked · In warranty"
    # not known at all: the stored title might be a user's, so it is kept
    assert describe(SUPPORT, stored, state).title == CRACKED


def test_a_branch_that_edited_turn_one_is_titled_by_its_own_first_message():
    state = support_state(first="My watch is broken")
    listed = describe(SUPPORT, record(CRACKED), state, first_messages=[CRACKED])
    assert listed.automatic and listed.title == "Watch is broken"


def listed(title, updated_at, *, automatic=True, thread_id=None) -> Listed:
    return Listed(thread_id or updated_at, title, automatic, (), "Resolution", 1, updated_at)


def test_alike_automatic_titles_get_their_last_activity_and_users_titles_stay():
    items = [
        listed("Battery is swollen", "2026-06-15T10:05:30+00:00"),
        listed("Battery is swollen", "2026-06-14T09:00:00+00:00"),
        listed("Battery is swollen · In warranty", "2026-06-13T09:00:00+00:00"),
    ]
    assert [i.title for i in distinct(items)] == [
        "Battery is swollen · 2026-06-15 10:05",
        "Battery is swollen · 2026-06-14 09:00",
        "Battery is swollen · In warranty",
    ]
    same_minute = [
        listed("A", "2026-06-15T10:05:30+00:00"),
        listed("A", "2026-06-15T10:05:10+00:00"),
    ]
    assert [i.title for i in distinct(same_minute)] == [
        "A · 2026-06-15 10:05:30",
        "A · 2026-06-15 10:05:10",
    ]
    same_second = [
        listed("A", "2026-06-15T10:05:30.2+00:00"),
        listed("A", "2026-06-15T10:05:30.1+00:00"),
    ]
    assert [i.title for i in distinct(same_second)] == [
        "A · 2026-06-15 10:05:30 (2)",  # numbered from the oldest activity
        "A · 2026-06-15 10:05:30",
    ]
    users = [
        listed("Mine", "2026-06-15T10:00:00+00:00", automatic=False),
        listed("mine", "2026-06-14T10:00:00+00:00"),
        listed("Mine", "2026-06-13T10:00:00+00:00", automatic=False),
    ]
    assert [i.title for i in distinct(users)] == ["Mine", "mine · 2026-06-14 10:00", "Mine"]


def test_search_matches_the_title_automatic_title_facts_or_step():
    item = Listed(
        "t", "Alice's phone", False, ("Out of warranty", "Hardware"), "Resolution", 2, "",
        auto_title="Phone screen is cracked · Out of warranty · Hardware",
    )  # fmt: skip
    for query in ("", "alice", "screen  IS cracked", "OUT OF warranty", "hardware", "resolution"):
        assert item.matches(query), query
    for query in ("software", "in warranty", "cracked screen", "battery"):
        assert not item.matches(query), query


def test_plurals_and_pages():
    assert [plural(n, "turn") for n in (0, 1, 2)] == ["0 turns", "1 turn", "2 turns"]
    assert [pages(n) for n in (0, 1, 10, 11, 22)] == [1, 1, 1, 2, 3]
    assert page_slice(22, 1) == (0, 10) and page_slice(22, 3) == (20, 22)
    assert page_slice(22, 9) == (20, 22) and page_slice(22, 0) == (0, 10)  # clamped
    assert showing(22, 0, 10) == "Showing 1–10 of 22"
    assert showing(22, 20, 22) == "Showing 21–22 of 22"
    assert showing(21, 20, 21) == "Showing 21 of 21"


# --- the page ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_store(app_url):
    return app_url


def threads_page(at: AppTest) -> AppTest:
    at.switch_page("app_pages/threads.py").run()
    assert not at.exception, at.exception
    return at


def card_titles(at: AppTest) -> list[str]:
    """The cards' titles as people read them (bold, escaped, maybe an "open" badge)."""
    shown = [m.value for m in at.main.markdown if m.value.startswith("**")]
    return [re.sub(r"\\(.)", r"\1", re.match(r"\*\*(.*)\*\*", t).group(1)) for t in shown]


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.main.caption]


def open_in_chat(at: AppTest, nth: int = 0) -> AppTest:
    click(at, "Open in chat", nth)
    # AppTest reruns the page it was last told to: follow the page's st.switch_page.
    at.switch_page("app_pages/chat.py").run()
    assert not at.exception, at.exception
    return at


def write_threads(url: str, conversations: dict[str, list[str]], workflow: str = "support"):
    """Conversations saved as the chat page saves them: through the conversation service."""
    store = open_store(url)
    flow = get_workflow(workflow)
    graph = build_graph(workflow, "offline", store.checkpointer)
    graph = graph.with_config(metadata={"workflow": workflow})
    for thread_id, texts in conversations.items():
        talk = Conversation(store, graph, flow, thread_id)
        for text in texts:
            events = list(talk.send(text, stream_tokens=False))
            assert isinstance(events[-1], TurnEnd), events[-1]
    store.close()


def test_same_first_message_with_different_facts_gets_different_titles():
    at = start()
    send(at, CRACKED)
    send(at, "Yes, it's still under warranty")
    click(at, "New conversation")
    send(at, CRACKED)
    send(at, "No, it expired last year")
    threads_page(at)
    assert card_titles(at) == [  # newest first
        "Phone screen is cracked · Out of warranty · Hardware",
        "Phone screen is cracked · In warranty · Hardware",
    ]


def test_the_same_first_message_and_nothing_recorded_still_reads_differently():
    at = start()
    send(at, "My battery is swollen")
    click(at, "New conversation")
    send(at, "My battery is swollen")
    titles = card_titles(threads_page(at))
    assert len(set(titles)) == 2, titles
    assert all(re.fullmatch(r"Battery is swollen · \d{4}-\d\d-\d\d \d\d:\d\d.*", t) for t in titles)


def test_the_automatic_title_follows_the_conversation_with_correct_plurals():
    at = start()
    send(at, CRACKED)
    threads_page(at)
    assert card_titles(at) == ["Phone screen is cracked"]
    assert "Warranty verification · 1 turn" in captions(at)
    assert not [c for c in captions(at) if re.search(r"\b1 turns\b", c)]
    open_in_chat(at)
    send(at, "Yes, it's still under warranty")
    threads_page(at)
    assert card_titles(at) == ["Phone screen is cracked · In warranty · Hardware"]
    assert "Resolution · 2 turns" in captions(at)


def test_the_rename_box_is_labelled_and_a_renamed_title_is_kept_after_more_turns():
    at = start()
    send(at, CRACKED)
    thread = at.query_params["thread"]
    threads_page(at)
    box = at.text_input(key=f"title-{thread}")
    assert box.label == "Rename"
    assert box.proto.label_visibility.value == LabelVisibility.LabelVisibilityOptions.VISIBLE
    assert box.value == "Phone screen is cracked"  # the title as listed, to edit

    box.set_value("Alice's *phone*").run()
    assert [t.value for t in at.toast] == ["Title saved"]
    assert card_titles(at) == ["Alice's *phone*"]
    assert at.main.markdown[0].value.startswith("**Alice's \\*phone\\***")  # shown literally

    open_in_chat(at)
    send(at, "Yes, it's still under warranty")
    send(at, "What should I do?")
    threads_page(at)
    assert card_titles(at) == ["Alice's *phone*"]
    assert at.text_input(key=f"title-{thread}").value == "Alice's *phone*"
    assert "Resolution · 3 turns" in captions(at)


def test_an_empty_rename_is_refused_and_the_title_stays():
    at = start()
    send(at, CRACKED)
    thread = at.query_params["thread"]
    threads_page(at)
    at.text_input(key=f"title-{thread}").set_value("   ").run()
    assert "A title can't be empty." in [w.value for w in at.warning]
    assert card_titles(at) == ["Phone screen is cracked"]
    assert at.text_input(key=f"title-{thread}").value == "Phone screen is cracked"
    at.run()  # the warning was for that change only
    assert not at.warning


DEVICES = ("laptop", "phone", "tablet", "watch")


def twelve_threads(url: str) -> dict[str, list[str]]:
    """t00…t11, oldest first: even ones in warranty, odd ones out of it."""
    conversations = {
        f"t{i:02d}": [
            f"Hi, my {DEVICES[i % 4]} number {i} won't turn on",
            "Yes, it's still under warranty" if i % 2 == 0 else "No, it expired last year",
        ]
        for i in range(12)
    }
    write_threads(url, conversations)
    return conversations


def test_twelve_threads_are_shown_ten_per_page(fresh_store):
    twelve_threads(fresh_store)
    at = threads_page(start())
    first = card_titles(at)
    assert len(first) == 10 and len([b for b in at.button if b.label == "Open in chat"]) == 10
    assert "Showing 1–10 of 12" in captions(at)
    assert first[0] == "Watch number 11 won't turn on · Out of warranty · Hardware"  # newest

    at.number_input(key="threads.page").set_value(2).run()
    assert not at.exception
    second = card_titles(at)
    assert len(second) == 2 and "Showing 11–12 of 12" in captions(at)
    assert second[-1] == "Laptop number 0 won't turn on · In warranty · Hardware"  # oldest
    assert len(set(first + second)) == 12

    click(at, "Open in chat", nth=1)  # a card of the second page opens like any other
    assert at.query_params["thread"] == "t00"


def test_search_by_a_recorded_fact_filters_before_paging(fresh_store):
    twelve_threads(fresh_store)
    handoffs = {"h1": ["Hi, I'm having trouble with my account login. Can you help?"]}
    write_threads(fresh_store, handoffs, workflow="handoffs")
    at = threads_page(start())
    assert card_titles(at)[0] == "Account login · Support agent"
    at.number_input(key="threads.page").set_value(2).run()

    at.text_input(key="threads.search").set_value("out of warranty").run()
    titles = card_titles(at)
    assert len(titles) == 6 and all(t.endswith("· Out of warranty · Hardware") for t in titles)
    assert "Showing 1–6 of 6 · 13 conversations in all" in captions(at)
    assert not at.number_input  # one page: nothing to pick

    at.text_input(key="threads.search").set_value("In Warranty").run()
    titles = card_titles(at)
    assert len(titles) == 6 and all(t.endswith("· In warranty · Hardware") for t in titles)

    at.text_input(key="title-t00").set_value("Grandma's laptop").run()  # renamed...
    at.text_input(key="threads.search").set_value("laptop number 0").run()
    assert card_titles(at) == ["Grandma's laptop"]  # ...still found by its automatic title

    at.text_input(key="threads.search").set_value("support agent").run()
    assert card_titles(at) == ["Account login · Support agent"]  # the step counts too

    at.text_input(key="threads.search").set_value("espresso").run()
    assert not card_titles(at)
    assert "No conversation matches this search." in [i.value for i in at.info]
