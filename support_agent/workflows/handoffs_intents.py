"""What the offline model listens for in the sales <-> support handoffs, and says back.

The rules; the words (cues, answers, the dialogue) are data in
`workflows/data/handoffs.yaml`. The `routing` decision (`support_agent.offline.understanding`,
learned) reads the customer's latest message: `sales` (prices, plans, discounts, buying,
availability, upgrades, quotes, invoices for a purchase), `support` (sign-in
and account problems, errors, installing and running software, faulty goods
and their refunds, billing mistakes) or `closing` (thanks, goodbye, "it works
now"). The cues only name the *detail* that picks an answer (pricing, login...): they are tried top to bottom and a matched phrase is hidden from
later cues, so phrases that mention the other topic's words come first.
"""

from __future__ import annotations

from support_agent.offline.intents import Classifier, LearnedClassifier
from support_agent.offline.policy import OfflineRules
from support_agent.offline.rule_files import workflow_data

DATA = workflow_data("handoffs")


TOPIC_DETAILS = Classifier("topic_details", DATA.cues_of("topic_details"))

TOPIC = LearnedClassifier("topic", "routing", details=TOPIC_DETAILS, cues_decide_at=3.0)

# At support: the details a delivery or billing answer asked for ("it's order 55120",
# "card ending 4242"), or "what do I need to send?". They stay with support.
CASE_DETAILS = Classifier("case_details", DATA.cues_of("case_details"))

# --- What each agent says ------------------------------------------------------------
# A fictional catalogue, so that the offline answers are concrete and consistent.


HANDOFFS_DIALOGUE = DATA.dialogue_with()

HANDOFFS_RULES = OfflineRules(
    classifiers={c.name: c for c in (TOPIC, CASE_DETAILS)},
    dialogue=HANDOFFS_DIALOGUE,
    rules=DATA.rules_in_order(),
)
