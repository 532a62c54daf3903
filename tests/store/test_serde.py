"""Checkpoints are compressed on disk, and older uncompressed ones still read."""

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from support_agent.store.serde import SUFFIX, CompressedSerializer


def test_a_conversation_round_trips_smaller():
    messages = [HumanMessage("my screen is cracked " * 40), AIMessage("Book a repair. " * 40)]
    serde = CompressedSerializer()
    kind, data = serde.dumps_typed(messages)
    plain = JsonPlusSerializer().dumps_typed(messages)[1]
    assert kind.endswith(SUFFIX) and len(data) * 4 < len(plain)
    assert serde.loads_typed((kind, data)) == messages


def test_values_written_before_compression_still_load():
    old = JsonPlusSerializer().dumps_typed({"current_step": "issue_classifier"})
    assert CompressedSerializer().loads_typed(old) == {"current_step": "issue_classifier"}


def test_small_values_are_left_as_they_are():
    assert CompressedSerializer().dumps_typed(3) == JsonPlusSerializer().dumps_typed(3)
