"""What the offline model listens for in the sales <-> support handoffs, and says back.

The rules; the words (cues, answers, the dialogue) are data in
`workflows/data/handoffs.yaml`. The `routing` decision (`support_agent.understanding`,
learned) reads the customer's latest message: `sales` (prices, plans, discounts, buying,
availability, upgrades, quotes, invoices for a purchase), `support` (sign-in
and account problems, errors, installing and running software, faulty goods
and their refunds, billing mistakes) or `closing` (thanks, goodbye, "it works
now"). The cues only name the *detail* that picks an answer (pricing, login...): they are tried top to bottom and a matched phrase is hidden from
later cues, so phrases that mention the other topic's words come first.
"""

from __future__ import annotations

from support_agent.models import dialogue as act
from support_agent.models.data import workflow_data
from support_agent.models.intents import Classifier, LearnedClassifier
from support_agent.models.policy import OfflineRules, Rule, numbered

DATA = workflow_data("handoffs")

_GAP = r"[^.?!]{0,30}"  # words between two halves of a phrase, within a sentence
_CLAUSE = r"[^.?!,;:]{0,30}"  # ... within a clause

TOPIC_DETAILS = Classifier(
    "topic_details",
    DATA.cues_of('topic_details'),
)  # fmt: skip

TOPIC = LearnedClassifier("topic", "routing", details=TOPIC_DETAILS, cues_decide_at=3.0)

# --- What each agent says ------------------------------------------------------------
# A fictional catalogue, so that the offline answers are concrete and consistent.

SALES_ANSWERS = DATA.table("SALES_ANSWERS")

SUPPORT_ANSWERS_INLINE = DATA.table("SUPPORT_ANSWERS_INLINE")

SUPPORT_ANSWERS = {key: numbered(text) for key, text in SUPPORT_ANSWERS_INLINE.items()}

# transfer_to_sales(reason=...): why the support agent hands over, by detail
SALES_REASONS = DATA.table("SALES_REASONS")

HANDOVER_TO_SUPPORT = DATA.table("HANDOVER_TO_SUPPORT")
HANDOVER_TO_SALES = DATA.table("HANDOVER_TO_SALES")

# A transfer needs a clear reading: a follow-up that leans only slightly to the
# other topic ("both charges are on the same day") stays with the current agent.
TRANSFER_MARGIN = 0.05

HANDOFFS_DIALOGUE = DATA.dialogue_with()

HANDOFFS_RULES = OfflineRules(
    classifiers={TOPIC.name: TOPIC},
    dialogue=HANDOFFS_DIALOGUE,
    rules=(
        # The latest message decides a transfer; the handover line ends the turn.
        Rule(
            tool="transfer_to_support",
            classifier="topic",
            labels=("support",),
            min_margin=TRANSFER_MARGIN,
            reply_after=HANDOVER_TO_SUPPORT,
        ),
        Rule(
            tool="transfer_to_sales",
            classifier="topic",
            labels=("sales",),
            args={"reason": SALES_REASONS},
            min_margin=TRANSFER_MARGIN,
            reply_after=HANDOVER_TO_SALES,
        ),
        # Otherwise each agent answers its own topic.
        Rule(
            offered=("transfer_to_support",),
            classifier="topic",
            labels=("sales",),
            say=SALES_ANSWERS,
        ),
        Rule(
            offered=("transfer_to_sales",),
            classifier="topic",
            labels=("support",),
            say=SUPPORT_ANSWERS,
        ),
        Rule(
            offered=("transfer_to_support",),
            classifier="topic",
            labels=("closing",),
            act=act.THANKS,
            say="You're welcome! If you need a quote or want to place an order, just write here.",
        ),
        Rule(
            offered=("transfer_to_sales",),
            classifier="topic",
            labels=("closing",),
            act=act.THANKS,
            say="Glad I could help! If anything else goes wrong, just write here.",
        ),
    ),
)
