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

import re
from dataclasses import dataclass

from support_agent.offline.intents import Classifier, LearnedClassifier, Verdict
from support_agent.offline.policy import OfflineRules
from support_agent.offline.questions import parts
from support_agent.offline.rule_files import workflow_data

DATA = workflow_data("handoffs")


TOPIC_DETAILS = Classifier("topic_details", DATA.cues_of("topic_details"))

TOPIC = LearnedClassifier("topic", "routing", details=TOPIC_DETAILS, cues_decide_at=3.0)

# At support: the details a delivery or billing answer asked for ("it's order 55120",
# "card ending 4242"), or "what do I need to send?". They stay with support.
CASE_DETAILS = Classifier("case_details", DATA.cues_of("case_details"))

# --- What each agent says ------------------------------------------------------------
# A fictional catalogue, so that the offline answers are concrete and consistent.


PLAN_NAMES = Classifier("plan_names", DATA.cues_of("plan_names"))
SEAT_COUNT = DATA.cues_of("seat_count")[0].pattern
BILLING_PERIOD = Classifier("billing_period", DATA.cues_of("billing_period"))
PRICES = DATA.numbers["price_per_user_month"]
ANNUAL_SAVING = DATA.numbers["billing"]["annual_saving"]


def _money(amount: float) -> str:
    return f"{amount:,.2f}".removesuffix(".00")


@dataclass(frozen=True)
class PlanQuote:
    """A price for a named plan and a number of users ("How much is the Business plan for
    12 people annually?"), worked out from the catalogue (`numbers` in the data file);
    the billing period, when said, is the detail. Anything less gets the general answer."""

    name: str

    def classify(self, text: str) -> Verdict:
        plan = PLAN_NAMES.classify(text).label
        seats = re.search(SEAT_COUNT, text.lower())
        if plan is None or seats is None:
            return Verdict(None, None)
        count = int(seats.group("seats") or seats.group("team"))
        if count < 1:
            return Verdict(None, None)
        monthly = PRICES[plan] * count
        annual = monthly * 12 * (1 - ANNUAL_SAVING)
        words = {
            "plan": plan.capitalize(),
            "seats": str(count),
            "price": _money(PRICES[plan]),
            "monthly_total": _money(monthly),
            "annual_total": _money(annual),
            "annual_monthly": _money(annual / 12),
        }
        period = BILLING_PERIOD.classify(text).label
        return Verdict("quote", period, {"quote": 1.0}, words=words)


OTHER_TEAM = {"sales": "other_for_support", "support": "other_for_sales"}


@dataclass(frozen=True)
class MixedMessage:
    """A message with a question for each agent, read for the agent that answers `mine`.

    Each part is routed on its own; when one is for this agent and another for the
    other one, the label is `mine` with this part's detail, and `words["also"]` says
    in brief what the other team does about the rest (data: `texts`). Otherwise None.
    """

    name: str
    mine: str

    def classify(self, text: str) -> Verdict:
        # The same parts the policy answers one by one at every step (`offline.questions`).
        read = [(p, TOPIC.classify(p)) for p in parts(text)]
        own = [(p, v) for p, v in read if v.label == self.mine and v.margin >= 0.05]
        other = [(p, v) for p, v in read if v.label not in (self.mine, "closing", None, "unclear")]
        other = [(p, v) for p, v in other if v.margin >= 0.05]
        if not own or not other:
            return Verdict(None, None)
        notes = DATA.texts[OTHER_TEAM[self.mine]]
        note = notes.get(other[0][1].detail or "", notes["default"])
        return Verdict(self.mine, own[0][1].detail, {self.mine: 1.0}, words={"also": note})


HANDOFFS_DIALOGUE = DATA.dialogue_with()

HANDOFFS_RULES = OfflineRules(
    classifiers={
        c.name: c
        for c in (
            TOPIC,
            CASE_DETAILS,
            PlanQuote("plan_quote"),
            MixedMessage("mixed_at_sales", "sales"),
            MixedMessage("mixed_at_support", "support"),
        )
    },
    dialogue=HANDOFFS_DIALOGUE,
    rules=DATA.rules_in_order(),
)
