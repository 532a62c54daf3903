"""Mistyped fault words are read as the word meant, and real words are left alone."""

from __future__ import annotations

from support_agent.offline.understanding import as_read, decide
from support_agent.offline.understanding.spelling import (
    REAL_WORDS,
    SHORTEST,
    VOCABULARY,
    mended,
    one_slip,
)


def test_a_slip_is_one_edit_and_a_swap_of_neighbours_is_one():
    assert one_slip("batery", "battery") and one_slip("chargeing", "charging")
    assert one_slip("scrn", "scre") and one_slip("crakced", "cracked")
    assert not one_slip("crashed", "cracked") and not one_slip("screen", "screen")


def test_the_sweeps_misspellings_are_read_as_meant():
    assert mended("batery swolen") == "battery swollen"
    assert mended("My scren is cracked") == "My screen is cracked"
    assert mended("it wont turn on") == "it won't turn on"
    assert mended("Chargeing port loose") == "charging port loose"


def test_real_words_and_ambiguous_slips_are_left_as_typed():
    # "changing" is one slip from "charging", "still" from "spill", "later" from "water".
    said = "I was changing settings, still later, crach"
    assert mended(said) == said


def test_only_the_issue_decision_mends_and_it_no_longer_asks():
    assert as_read("warranty", "batery swolen") == "batery swolen"
    assert decide("issue", "batery swolen").label == "hardware"
    # The learned model reads "wont" as it learned it; only the cues get the apostrophe back.
    assert as_read("issue", "it doesnt work", apostrophes=False) == "it doesnt work"


def test_the_real_words_list_is_every_near_english_word():
    """Rebuilds `real_words` in data/spelling.yaml from pyspellchecker's English list, so a
    word added to the vocabulary brings its real neighbours with it."""
    from spellchecker import SpellChecker

    targets = [v for v in VOCABULARY if "'" not in v and len(v) >= SHORTEST]
    english = SpellChecker().word_frequency.dictionary
    near = {
        word
        for word, count in english.items()
        if count > 50
        and len(word) >= SHORTEST
        and word not in VOCABULARY
        and any(one_slip(word, v) for v in targets)
    }
    assert sorted(near - REAL_WORDS) == [] and sorted(REAL_WORDS - near) == []
