"""What one customer message says toward a price or a quote (handoffs workflow): the plans it
names (ours, or one we don't have), the number of users (in digits or words), the billing
period, and the company, billing address and VAT number in the customer's own spelling.
`quotes.Quotes` puts these together over the conversation. Cues and words are the
workflow's data (`data/handoffs.yaml`).
"""

from __future__ import annotations

import re

from support_agent.offline.intents import Classifier, normalise
from support_agent.offline.rule_files import WorkflowData
from support_agent.offline.understanding.dates import CARDINALS


class QuoteWords:
    """Reads the details of a price or a quote from one message."""

    def __init__(self, data: WorkflowData):
        self.plans = Classifier("plan_names", data.cues["plan_names"])
        self.unknown_plans = data.cues["unknown_plan"]  # "how much is Pro?": no plan of ours
        self.seat_counts = [cue.pattern for cue in data.cues["seat_count"]]
        self.number_words = CARDINALS  # "twelve": 12, "dozen": 12: the date module's words
        units = "|".join(w for w, n in self.number_words.items() if n < 10)
        tens = "|".join(w for w, n in self.number_words.items() if n >= 20 and n % 10 == 0)
        words = "|".join(sorted(self.number_words, key=len, reverse=True))
        self.spelled = rf"\b(?:(?P<tens>{tens})[- ](?P<units>{units})|(?P<word>{words}))\b"
        self.billing_period = Classifier("billing_period", data.cues["billing_period"])
        # "send me a quote", "yes please"; the company and billing address, as typed
        self.asked = Classifier("quote_asked", data.cues["quote_asked"])
        self.details = data.cues["quote_details"]
        # a company named alone in a formal quote: what is never one ("yes", "thanks"), the
        # sign-off a person's name follows, words before a name ("for", "we are")
        self.not_a_name = Classifier("not_a_name", data.cues["not_a_company"])
        self.sign_off = Classifier("sign_off", data.cues["sign_off"])
        self.name_lead = data.cues["company_lead"][0].pattern
        self.bare_name_words = int(data.numbers["quote"]["company_words"])
        self.address_lead = data.cues["address_lead"][0].pattern  # "it's", "send it to"

    def in_digits(self, text: str) -> str:
        """Numbers written in words as digits: "twelve people" -> "12 people", "twenty-five"
        -> "25", "a dozen" -> "12"."""

        def joined(found: re.Match) -> str:
            said = [w for w in found.group("tens", "units", "word") if w]
            return str(int(sum(self.number_words[w] for w in said)))

        return re.sub(self.spelled, joined, text.lower())

    def seats(self, text: str) -> int | None:
        """The number of users a message names ("12 users", "a team of 30", "make it 15",
        "twelve people", "for just me")."""
        text = self.in_digits(text)
        for pattern in self.seat_counts:
            found = re.search(pattern, text)
            if found:
                said = next(n for n in found.groupdict().values() if n)
                return int(said) if said.isdigit() else 1  # "just me", "a single user"
        return None

    def plans_named(self, text: str) -> list[str]:
        """Every plan a message names, smallest first ("premium and business": both)."""
        return [c.label for c in self.plans.cues if re.search(c.pattern, normalise(text))]

    def unknown_plan(self, text: str) -> str | None:
        """The name of a plan we don't have, when a message asks about one ("Pro")."""
        for cue in self.unknown_plans:
            found = re.search(cue.pattern, normalise(text))
            if found:
                return found.group("name").title()
        return None

    def toward_quote(self, text: str) -> dict[str, str]:
        """What one message says toward a price or a quote: plan, seats, billing period, the
        company and the billing address (these two in the customer's own spelling)."""
        said = {
            "plan": self.plans.classify(text).label,
            "seats": str(self.seats(text) or "") or None,
            "period": self.billing_period.classify(text).label,
        }
        for cue in self.details:
            found = re.search(cue.pattern, text, re.IGNORECASE)
            if found and cue.label not in said:
                said[cue.label] = found.group("value").strip(" ,.;:")
        return {k: v for k, v in said.items() if v}

    def bare_company(self, text: str) -> str | None:
        """A company name typed alone or beside other details ("Initech", "Initech, annual"):
        a short part of the message that says nothing else toward a quote and is no common
        word ("yes", "thanks"); none after a sign-off ("Regards, Anna" names a person)."""
        if len(text.split()) > self.bare_name_words * 4:
            return None
        for cue in self.details:  # "22 Baker Street, London": the address, whole
            text = re.sub(cue.pattern, ",", text, flags=re.IGNORECASE)
        for part in re.split(r"[,;\n]+|\s[-–]\s", text):
            part = part.strip(" .!?:")
            if self.sign_off.matches(part):
                return None
            if not part or self.not_a_name.matches(part) or self.toward_quote(part):
                continue
            if self.unknown_plan(part) or self.asked.matches(part):
                continue
            name = re.sub(self.name_lead, "", part, flags=re.IGNORECASE).strip()
            looks = name[:1].isupper() or text == text.lower()
            if looks and 0 < len(name.split()) <= self.bare_name_words:
                return name
        return None

    def address_left(self, text: str, said: dict[str, str]) -> str:
        """`text` as a billing address given as asked ("ul. Prosta 20, Warszawa"): what is
        left once the details `said` are taken out, when that has a number in it."""
        left = text
        for value in said.values():
            left = left.replace(value, " ")
        left = re.sub(self.address_lead, "", left.strip(" ,.;:"), flags=re.IGNORECASE)
        left = left.strip(" ,.;:")
        return left if re.search(r"\d", left) and len(left) <= 120 else ""
