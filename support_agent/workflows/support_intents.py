"""What the offline model listens for in the support workflow, and says back.

The cues, rules (with their replies), FAQ and dialogue are data in
`workflows/data/support.yaml`. Which label a message carries (warranty status,
hardware or software) is learned (`support_agent.offline.understanding`); the cues name the
*detail* that picks a reply (a cracked screen gets the screen repair), and the
outcome of a suggested fix. The rules turn labels into tool calls (see
`support_agent.offline.policy`); the dialogue says what to do when no rule
fits (see `support_agent.offline.dialogue`).
"""

from __future__ import annotations

from support_agent.offline.intents import Classifier, LearnedClassifier
from support_agent.offline.policy import OfflineRules
from support_agent.offline.rule_files import workflow_data

DATA = workflow_data("support")


ISSUE_DETAILS = Classifier("issue_details", DATA.cues_of("issue_details"))

OUTCOME = Classifier("outcome", DATA.cues_of("outcome"))

ISSUE = LearnedClassifier("issue", "issue", details=ISSUE_DETAILS)
# How long the warranty lasts: what a stated age is judged against. The
# warranty step's questions (data/support.yaml) say the same: "the last 12 months".
WARRANTY_MONTHS = 12.0
WARRANTY = LearnedClassifier("warranty", "warranty", warranty_months=WARRANTY_MONTHS)
# Outside the warranty step, only a message about the warranty can correct it.
WARRANTY_CORRECTION = LearnedClassifier(
    "warranty_correction",
    "warranty",
    warranty_months=WARRANTY_MONTHS,
    gate=r"warrant|waranty|guarant|covered|coverage|receipt|bought|purchased|expired|lapsed"
    r"|(year|month|week)s? (old|ago)|brand new",
)

# A correction is a statement ("actually it's the app, not the screen"); a question
# ("what are my options for getting it repaired?") is a follow-up.
ISSUE_CORRECTION = LearnedClassifier(
    "issue_correction", "issue", details=ISSUE_DETAILS, gate=r"^(?!.*\?\s*$)"
)

# A new case starts only when the customer asks for one. Either they say so ("I
# have another problem", "new issue", "a different device": cues in the data file),
# or they describe a problem and say it is an additional one ("also, my tablet's
# port is broken too"). More words about the same problem ("my music pauses
# whenever another app opens") are neither.
NEW_CASE_ASKED = Classifier("new_case_asked", DATA.cues_of("new_case_asked"))
NEW_CASE = LearnedClassifier(
    "new_case",
    "issue",
    gate=r"\b(also|too|as well|in addition|additionally|on top of that)\b",
)


# Follow-ups in Resolution, answered by case: "escalated", "<issue>_<warranty>",
# "<issue>", "<warranty>", then "default".
FAQ = DATA.faqs()

SUPPORT_DIALOGUE = DATA.dialogue_with(FAQ)


SUPPORT_RULES = OfflineRules(
    classifiers={
        c.name: c
        for c in (
            WARRANTY,
            WARRANTY_CORRECTION,
            ISSUE,
            ISSUE_CORRECTION,
            OUTCOME,
            NEW_CASE_ASKED,
            NEW_CASE,
        )
    },
    dialogue=SUPPORT_DIALOGUE,
    rules=DATA.rules_in_order(),
)
