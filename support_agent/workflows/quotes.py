"""The sales agent's prices and quotes, worked out over the conversation (handoffs workflow).

A price or a quote builds up over messages: "how much is Business for 12 users?", then
"what about Premium?" (Premium for 12), "make it 15", "do you do monthly too?"; or "send me
a quote", then "Acme Ltd, 25 seats, annual, 1 Main St London", then "Business". What the
newest message says wins, the rest stays. The catalogue (plans, prices per user, limits),
the cues and the words of the lists are the workflow's data (`data/handoffs.yaml`); the
rules there choose the reply by the verdict's label and detail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from support_agent.offline.intents import Classifier, LearnedClassifier, Verdict
from support_agent.offline.policy import fill_template
from support_agent.offline.rule_files import WorkflowData
from support_agent.workflows.quote_words import QuoteWords

# What a formal quote needs, asked one at a time in this order.
QUOTE_NEEDS = ("plan", "seats", "period", "address")
READY = ("ready", "going_ahead", "updated")  # a formal quote with all it needs
PRICE_TOPICS = (None, "pricing", "plans", "quote")  # topic details a price follow-up may carry
# What a price can be asked with and still be answered whole after it ("15 of Premium, can
# we pay by invoice?", "ok business. how i can pay?")
ASKED_WITH_A_PRICE = ("payment", "invoice", "tax", "trial", "quarterly", "shipping")


def _users(count: int) -> dict[str, str]:
    """The number of users, as a figure and in words ("1 user", "12 users")."""
    return {"seats": str(count), "users": f"{count} user{'' if count == 1 else 's'}"}


def _money(amount: float) -> str:
    return f"{amount:,.2f}".removesuffix(".00")


class Quotes:
    """Reads prices and quotes for the rules: `plan_quote` one message, `so_far` the
    conversation. `topic` is the workflow's routing classifier: a message on another sales
    topic ("is there a discount on annual?") or a problem is left to its own rule."""

    def __init__(self, data: WorkflowData, topic: LearnedClassifier):
        self.topic = topic
        self.words = QuoteWords(data)  # what one message says: plan, users, company...
        w = self.words
        self.plans, self.billing_period, self.quote_asked = w.plans, w.billing_period, w.asked
        self.prices = data.numbers["price_per_user_month"]  # smallest plan first
        self.max_users = data.numbers["max_users"]  # plans that take only so many users
        self.annual_saving = data.numbers["billing"]["annual_saving"]
        self.discount = data.numbers["discount"]["education"]
        # "is the education discount included?": the prices after it are discounted too
        self.discount_asked = Classifier("discount_on_price", data.cues["discount_on_price"])
        self.enterprise_from = data.numbers["enterprise"]["from_users"]
        # "what does Premium include?": a question about a plan that asks for no price
        self.not_a_price = Classifier("not_a_price", data.cues["not_a_price"])
        self.saving_asked = Classifier("saving_asked", data.cues["saving_asked"])
        self.price_asked = Classifier("price_asked", data.cues["price_asked"])
        self.compared = Classifier("plans_compared", data.cues["plans_compared"])
        self.personal_said = Classifier("personal_quote", data.cues["personal_quote"])
        self.noted = data.texts["quote_noted"]
        self.features = data.texts["plan_features"]  # what each plan offers, in a phrase
        self.filler = data.cues["price_filler"]  # "pls", "just", "we have": no topic
        self._asked: dict[tuple[str, ...], str | None] = {}

    # --- one message ------------------------------------------------------------------

    def plan_quote(self, text: str) -> Verdict:
        """A price for a named plan and a number of users, from the catalogue; the billing
        period, when said, is the detail. Anything less gets the general answer."""
        plan = self.plans.classify(text).label
        count = self.words.seats(text)
        if plan is None or count is None:
            return Verdict(None, None)
        period = self.billing_period.classify(text).label
        return self._price(self._price_words(plan, count), period, text)

    # --- figures --------------------------------------------------------------------------

    def _fitting(self, plan: str, count: int) -> str:
        """`plan`, or the next one up when it takes fewer than `count` users."""
        larger = list(self.prices)[list(self.prices).index(plan) :]
        return next((p for p in larger if count <= self.max_users.get(p, count)), larger[-1])

    def _price_words(self, asked: str, count: int, off: float = 0.0) -> dict[str, str]:
        """The figures of a price, `off` taken off (the education discount); for a plan too
        small for `count` users ("Starter for 25"), those of the plan that fits, and `asked`
        and its limit besides."""
        plan = self._fitting(asked, count)
        monthly = self.prices[plan] * count * (1 - off)
        annual = monthly * 12 * (1 - self.annual_saving)
        words = {
            "plan": plan.capitalize(),
            **_users(count),
            "price": _money(self.prices[plan]),
            "monthly_total": _money(monthly),
            "annual_total": _money(annual),
            "annual_monthly": _money(annual / 12),
            "monthly_for_a_year": _money(monthly * 12),
            "annual_saving": _money(monthly * 12 - annual),
        }
        if plan != asked:
            words |= {"asked": asked.capitalize(), "limit": _money(self.max_users[asked])}
        return words

    def _price(self, words: dict[str, str], period: str | None, text: str) -> Verdict:
        """A price, its billing period the detail; `too_small` when the plan asked for
        takes fewer users (unless `text` only picks the billing: "k annual" after it is the
        larger plan billed annually), `saving` when `text` asks what paying yearly saves."""
        if self.saving_asked.matches(text):
            period = "saving"
        billing_only = period and not self.words.plans_named(text) and not self.words.seats(text)
        detail = "too_small" if "asked" in words and not billing_only else period
        return Verdict("quote", detail, {"quote": 1.0}, words=self._volume(words))

    def _volume(self, words: dict[str, str]) -> dict[str, str]:
        """A price for Enterprise's number of users or more also says a contract may cost less."""
        if int(words.get("seats") or 0) < self.enterprise_from:
            return words
        return {"also": fill_template(self.noted["volume"], words), **words}

    def _side_by_side(self, plans: list[str], count: int, text: str, off: float) -> Verdict:
        """Two plans' prices for `count` users (`off` taken off: the education discount);
        when the smaller takes fewer users, the price of the plan that fits it instead."""
        small, large = (self._price_words(plan, count, off) for plan in plans)
        if "asked" in small:
            return self._price(small, None, text)
        words = {f"small_{k}": v for k, v in small.items()}
        words |= {f"large_{k}": v for k, v in large.items()}
        more = (self.prices[plans[1]] - self.prices[plans[0]]) * count * (1 - off)
        words |= {**_users(count), "difference": _money(more)}
        detail = "side_by_side_discounted" if off else "side_by_side"
        return Verdict("quote", detail, {"quote": 1.0}, words=words)

    def _every_plan(self, count: int, period: str | None = None, off: float = 0.0) -> Verdict:
        """Each plan that takes `count` users, priced for them (no plan named yet): a year's
        price when billed annually, else a month's; `off` taken off, and said."""
        fits = [plan for plan in self.prices if count <= self.max_users.get(plan, count)]
        item = self.noted["each_plan_annual" if period == "annual" else "each_plan"]
        each = [fill_template(item, self._price_words(p, count, off)) for p in fits]
        listed = ", ".join(each[:-1]) + self.noted["and"] + each[-1]
        words = {**_users(count), "prices": listed}
        words |= {"also": self.noted["with_discount"]} if off else {}
        small = [plan for plan in self.prices if plan not in fits]
        if small:
            words |= {"small": small[-1].capitalize(), "limit": _money(self.max_users[small[-1]])}
        detail = "every_plan_annual" if period == "annual" else "every_plan"
        return Verdict(
            "quote", f"{detail}_but_small" if small else detail, words=self._volume(words)
        )

    def _listed(self, known: dict[str, str], words: dict[str, str]) -> str:
        """What a formal quote has so far, in the reply's words."""
        period = known.get("period")
        plan = "too_small" if "asked" in words else "plan"
        priced = "discounted" if "discounted_monthly_total" in words else "priced"
        parts = [
            self.noted["company"] if "company" in known else "",
            self.noted[plan] if "plan" in known else "",
            self.noted["seats"] if "seats" in known else "",
            self.noted[f"{period}_{priced}" if words else period] if period else "",
            self.noted["address"] if "address" in known else "",
            self.noted["vat"] if "vat" in known else "",
        ]
        users = _users(int(known["seats"])) if "seats" in known else {}
        values = {**known, **users, "plan": known.get("plan", "").capitalize(), **words}
        return ", ".join(fill_template(p, values) for p in parts if p)

    def _users_said(self, texts: Sequence[str]) -> int | None:
        return next((n for n in map(self.words.seats, reversed(texts)) if n), None)

    def objection(self, texts: Sequence[str]) -> Verdict:
        """A price objected to: each plan priced for the users given earlier, if any."""
        count = self._users_said(texts)
        return self._every_plan(count) if count else Verdict("quote", None)

    def discounted(self, texts: Sequence[str]) -> Verdict:
        """ "is the education discount included?" after a price: the price the conversation
        built before it, with the non-profit and education discount (none built yet: no
        verdict, the discount's own answer says what it is)."""
        if not texts or not self.discount_asked.matches(texts[-1]):
            return Verdict(None, None)
        known, _ = self._gathered(list(texts[:-1]))
        if not {"plan", "seats"} <= known.keys():
            return Verdict(None, None)
        # Said who it was for before ("we're a school"): the price given had it already.
        already = any(map(self.discount_asked.matches, texts[:-1]))
        period = "included" if already else known.get("period")
        return self._with_discount(known["plan"], int(known["seats"]), period)

    def _with_discount(self, plan: str, count: int, period: str | None) -> Verdict:
        off = self._price_words(plan, count, self.discount)
        words = self._price_words(plan, count) | {
            "discounted_monthly_total": off["monthly_total"],
            "discounted_annual_total": off["annual_total"],
        }
        return Verdict("discounted", period, {"discounted": 1.0}, words=words)

    def _no_such_plan(self, asked: str, texts: list[str]) -> Verdict:
        """A plan we don't have: said so, with the plans we do have (priced for the users
        given earlier, if any)."""
        count = self._users_said(texts)
        if count is None:
            return Verdict("quote", "unknown_plan", {"quote": 1.0}, words={"asked": asked})
        listed = self._every_plan(count)
        words = {**listed.words, "asked": asked}
        return Verdict("quote", f"unknown_plan_{listed.detail}", {"quote": 1.0}, words=words)

    def _enterprise(self, texts: list[str]) -> Verdict:
        """Enterprise asked about once a number of users was given: where it starts, and
        for fewer users the largest plan's price (none given: the general answer asks)."""
        count = self._users_said(texts)
        if count is None:
            return Verdict(None, None)
        largest = self._price_words(list(self.prices)[-1], count)
        words = {**largest, "from_users": _money(self.enterprise_from)}
        fits = count >= self.enterprise_from
        return Verdict("quote", "enterprise" if fits else "enterprise_small", words=words)

    # --- the conversation -------------------------------------------------------------

    def _asks_quote(self, texts: list[str]) -> bool:
        """Whether the last of `texts` asks for a formal quote: "send me a quote", or "yes
        please" right after a message that made a price (the price's reply offers a quote)."""
        asked = self.quote_asked.classify(texts[-1]).label
        if asked != "yes":
            return asked == "quote"
        earlier = texts[:-1]
        if earlier and self.topic.classify(earlier[-1]).detail == "enterprise":
            return False  # a yes to Enterprise is no quote for the plan priced before
        before = {k: v for text in earlier for k, v in self.words.toward_quote(text).items()}
        priced = {"plan", "seats"} <= before.keys()
        return bool(earlier and self._said(earlier)) and priced

    def _gathered(self, texts: list[str]) -> tuple[dict[str, str], bool]:
        """What the conversation says toward a price or a quote (the newest wins), and
        whether a formal quote was asked for in the run of messages that led here. A company
        named alone ("Initech, annual") counts only in a formal quote."""
        known: dict[str, str] = {}
        names: list[tuple[int, str, bool]] = []  # (where, name, said alone)
        formal, run, asked = False, True, 0
        for end in range(len(texts), 0, -1):
            said = self._said(texts[:end])
            for key, value in said.items():
                known.setdefault(key, value)  # the newest wins
            if run:  # the messages that led here without a break: was a quote asked for?
                asks = self._asks_quote(texts[:end])
                asked = asked or (end if asks else 0)
                formal = formal or asks or bool({"company", "address", "vat"} & said.keys())
                yes = self.quote_asked.classify(texts[end - 1]).label == "yes"
                name = None if "address" in said else self.words.bare_company(texts[end - 1])
                names += [(end, name, not said)] if name else []
                # "yes please" twice breaks no run, nor a plan we don't have ("Pro")
                unknown = bool(self.words.unknown_plan(texts[end - 1]))
                run = bool(said) or asks or yes or unknown or bool(name)
        # a name alone counts once the quote was asked for ("Sarah" before it may be a person)
        names = [(end, name, alone) for end, name, alone in names if not alone or end > asked]
        if formal and names:
            known.setdefault("company", names[0][1])
        return known, formal

    def _asked_for(self, texts: list[str]) -> str | None:
        """What the reply to `texts` asked for ("needs_address"), remembered: each turn
        reads the earlier ones again."""
        key = tuple(texts)
        if key not in self._asked:
            if len(self._asked) > 512:
                self._asked.clear()
            self._asked[key] = self.so_far(texts).detail if texts else None
        return self._asked[key]

    def _said(self, texts: list[str]) -> dict[str, str]:
        """What the last of `texts` says toward a quote, an address given as asked included."""
        said = self.words.toward_quote(texts[-1])
        return said | self._address_answer(texts, said)

    def _address_answer(self, texts: list[str], said: dict[str, str]) -> dict[str, str]:
        """The last of `texts` as the billing address when the reply before it asked for one
        and it has none the cues know ("ul. Prosta 20, Warszawa"): what is left of it once
        its other details are taken out, when that has a number in it and asks nothing."""
        latest = texts[-1]
        if "address" in said or "?" in latest or not re.search(r"\d", latest):
            return {}
        if self._asked_for(texts[:-1]) != "needs_address":
            return {}
        left = self.words.address_left(latest, said)
        return {"address": left} if left else {}

    def personal(self, texts: Sequence[str]) -> Verdict:
        """ "it's for me, not a company" when the quote's billing address was asked for."""
        if not texts or not self.personal_said.matches(texts[-1]):
            return Verdict(None, None)
        if self._asked_for(list(texts[:-1])) != "needs_address":
            return Verdict(None, None)
        return Verdict("personal", None, {"personal": 1.0})

    def details_only(self, texts: list[str]) -> Verdict:
        """`so_far`, when the latest message says nothing but the details of a price ("10
        ppl", "7 workers", "premium, yearly pls"): an answer to the sales agent's question,
        whatever the routing model makes of so few words."""
        left = self.words.in_digits(texts[-1]) if texts else ""
        for pattern in [*self.words.seat_counts, *(c.pattern for c in self.plans.cues)]:
            left = re.sub(pattern, " ", left)
        for cue in (*self.billing_period.cues, *self.filler):
            left = re.sub(cue.pattern, " ", left)
        if not texts or len(re.findall(r"\w+", left)) > 1:
            return Verdict(None, None)
        return self.so_far(texts)

    def so_far(self, texts: list[str]) -> Verdict:
        """The price or the formal quote the conversation has built, when the latest message
        adds to it: the newest plan, number of users and billing period said win ("what
        about Premium?" after a price for 12 users is Premium for 12). Label `formal` once a
        quote was asked for in the run of messages that led here, with the detail
        `needs_<what>` (the first thing missing), `ready`, `updated` or `going_ahead`; else
        `quote`, a price (see `_price`, `_side_by_side`, `_every_plan` for its details)."""
        if not texts:
            return Verdict(None, None)
        latest = texts[-1]
        if self.topic.classify(latest).detail == "enterprise":
            return self._enterprise(texts)
        asked = self.words.unknown_plan(latest)
        if asked:
            return self._no_such_plan(asked, texts)
        now = self.words.toward_quote(latest)
        named = self.words.plans_named(latest)
        both = named[:2] if len(named) > 1 else []
        bare = self.words.bare_company(latest)
        if not now and not both and not bare and not self._asks_quote(texts):
            return Verdict(None, None)
        on_price, beside = self._on_price(latest, now, both, texts)
        if not on_price:
            return Verdict(None, None)
        known, formal = self._gathered(texts)
        if not (now or both or formal):
            return Verdict(None, None)  # a name alone ("Initech") adds only to a quote
        if beside and not {"plan", "seats"} <= known.keys():
            return Verdict(None, None)  # "can Business be paid quarterly?": its own answer
        # asked for earlier ("is the education discount included?"): it stays on the price
        off = self.discount if any(map(self.discount_asked.matches, texts)) else 0.0
        if both and "seats" in known and not formal:
            return self._side_by_side(both, int(known["seats"]), latest, off)
        complete = {"plan", "seats"} <= known.keys()
        words = self._price_words(known["plan"], int(known["seats"])) if complete else {}
        if complete and off:
            words = self._with_discount(known["plan"], int(known["seats"]), None).words
        if formal and known:
            return self._formal(known, words, bool(now), texts, off)
        if not words and {"seats", "period"} & now.keys() and "seats" in known:
            # "price for my team of 6"; "what's the total per year then" after that
            return self._every_plan(int(known["seats"]), known.get("period"), off)
        if not words and len(named) == 1 and "plan" in now:
            return self._one_plan(now["plan"])  # "premium", "whats the price of starter"
        if not words:
            return Verdict(None, None)
        return self.discounted_if_asked(self._price(words, known.get("period"), latest), texts)

    def _on_price(
        self, latest: str, now: dict, both: list[str], texts: list[str]
    ) -> tuple[bool, bool]:
        """Whether the latest message carries a price or a quote on, and whether it asks
        something else beside it ("can Business be paid quarterly?")."""
        # "is there a discount on annual?", "premium users can't log in": their own answers.
        # A line of details that only sounds like a problem ("Hooli Inc, 10 Downing Street")
        # names none, and carries on a quote under way. "What would we save compared to
        # monthly?" and "the difference in price" compare, and ask for a price all the same.
        # So does "a team of 45: could you send pricing and information on SSO?".
        asks_price = self.price_asked.matches(latest) and (both or "seats" in now)
        compared = both and "seats" in now and self.compared.matches(latest)
        asks_price = asks_price or compared  # "compare business and premium for 10 users"
        priced = self.saving_asked.matches(latest) or asks_price
        if self.not_a_price.matches(latest) and not (priced or self._asks_quote(texts)):
            return False, False
        read = self.topic.classify(latest)
        # a line of details for a quote ("..., VAT number GB123456789") asks about no tax
        line = read.label == "sales" and {"company", "address", "vat"} & now.keys()
        beside = bool(read.detail in ASKED_WITH_A_PRICE and {"plan", "seats"} & now.keys())
        return read.detail in PRICE_TOPICS or bool(line) or beside, beside

    def _formal(self, known: dict, words: dict, now: bool, texts: list[str], off: float) -> Verdict:
        """The formal quote so far: what it needs next, or that it is ready."""
        missing = next((f"needs_{k}" for k in QUOTE_NEEDS if k not in known), "ready")
        if missing == "ready" and self._asked_for(texts[:-1]) in READY:
            # "great, go ahead" to the complete quote, or a change to it ("30 seats")
            missing = "updated" if now else "going_ahead"
        if missing == "needs_period" and "discounted_monthly_total" in words:
            missing = "needs_period_discounted"
        listed = {**words, "noted": self._listed(known, words)}
        if missing == "needs_plan" and "seats" in known:
            # the plans that take that many users, priced for them
            missing = "needs_plan_for_seats"
            listed |= self._every_plan(int(known["seats"]), known.get("period"), off).words
        return Verdict("formal", missing, {"formal": 1.0}, words=listed)

    def discounted_if_asked(self, priced: Verdict, texts: Sequence[str]) -> Verdict:
        """`priced`, a plain price, with the education discount when the conversation asked
        about it or said who it is for ("we're a school")."""
        plan, seats = priced.words.get("plan"), priced.words.get("seats")
        plain = priced.label == "quote" and priced.detail in (None, "monthly", "annual")
        if not (plain and plan and seats and any(map(self.discount_asked.matches, texts))):
            return priced
        return self._with_discount(plan.lower(), int(seats), priced.detail or "both")

    def _one_plan(self, plan: str) -> Verdict:
        """A plan named with no number of users yet: its price per user, billed monthly and
        annually, and what it offers (the reply asks how many users)."""
        price = self.prices[plan]
        words = {
            "plan": plan.capitalize(),
            "price": _money(price),
            "annual_price": _money(price * (1 - self.annual_saving)),
            "features": self.features[plan],
        }
        return Verdict("quote", "one_plan", {"quote": 1.0}, words=words)
