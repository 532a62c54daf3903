"""What the offline model listens for in the sales <-> support handoffs, and says back.

Data only. The `routing` decision (`support_agent.understanding`, learned)
reads the customer's latest message: `sales` (prices, plans, discounts, buying,
availability, upgrades, quotes, invoices for a purchase), `support` (sign-in
and account problems, errors, installing and running software, faulty goods
and their refunds, billing mistakes) or `closing` (thanks, goodbye, "it works
now"). The cues below only name the *detail* that picks an answer (pricing,
login...): they are tried top to bottom and a matched phrase is hidden from
later cues, so phrases that mention the other topic's words come first.
"""

from __future__ import annotations

from support_agent.models import dialogue as act
from support_agent.models.data import workflow_data
from support_agent.models.dialogue import Dialogue
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

SALES_ANSWERS = {
    "pricing": "Our plans are priced per user: Starter $9/month, Business $19/month and "
    "Premium $32/month; paying annually saves 15%. Enterprise is quoted per contract. Which "
    "plan are you considering, and for how many users?",
    "plans": "In short: Starter covers the essentials for up to 10 users; Business adds SSO, "
    "admin controls and shared workspaces; Premium adds advanced analytics, 1 TB of storage "
    "per user and priority support. Which features matter most to you? I can send the full "
    "comparison table.",
    "discount": "We offer 20% off for non-profits and education, 15% off for annual billing, "
    "and volume discounts from 50 seats. No coupon is needed — I apply the discount to your "
    "quote. Shall I prepare one?",
    "purchase": "Happy to set that up. You can order online at example.com/buy, or I can "
    "create the order for you: tell me the product or plan, the quantity and the billing "
    "contact.",
    "availability": "Current models are in stock and ship within 2 business days; new "
    "releases can be pre-ordered and ship on launch day. Tell me the exact model and your "
    "country and I'll confirm the delivery date.",
    "shipping": "Standard delivery takes 3–5 business days and is free on orders over $100; "
    "express delivery (1–2 business days) is $15. We ship to most of Europe and North "
    "America — tell me the destination and I'll confirm the cost.",
    "upgrade": "Upgrades and extra seats take effect immediately, and you only pay the "
    "prorated difference for the rest of your billing period. Shall I prepare the change "
    "for you?",
    "quote": "I can prepare a formal quote today. Please send the number of seats or units, "
    "the contract length (monthly, 1 or 3 years) and your billing address; quotes are valid "
    "for 30 days.",
    "invoice": "I can issue a pro forma invoice for the purchase so your finance team can "
    "approve it; it lists the items, taxes and our bank details. Which items and billing "
    "address should it show?",
    "trial": "Yes — every plan comes with a 14-day free trial with all Premium features and "
    "no card required. Start at example.com/trial, and I'll help you pick a plan when it "
    "ends.",
    "payment": "We accept credit and debit cards and PayPal; for annual plans and orders over "
    "$1,000 you can also pay by bank transfer against an invoice with 30-day terms.",
    "renewal": "You can renew under Billing > Subscription, or I can send you a renewal "
    "quote. Renewing before the end date keeps your current price for another year.",
    "enterprise": "For larger teams we tailor an Enterprise contract: volume pricing from 50 "
    "seats, SSO, a dedicated account manager and an uptime SLA. How many seats do you need? "
    "I'll prepare a proposal.",
    "default": "I can help with plans, prices, discounts, quotes and orders. What are you "
    "looking for?",
}

SUPPORT_ANSWERS_INLINE = {
    "login": "Let's get you signed in: 1) Check that Caps Lock is off and that you use the "
    "email address on your account. 2) Choose 'Forgot password' on the sign-in page to set a "
    "new password. 3) Try a private browser window or clear the browser's cache. 4) After "
    "too many attempts an account locks for 15 minutes and then unlocks by itself. Tell me "
    "which step shows an error.",
    "password": "1) Choose 'Forgot password' on the sign-in page and enter the email on your "
    "account. 2) The reset email arrives within 5 minutes — check the spam and promotions "
    "folders. 3) The link is valid for 1 hour; request a new one if it has expired. 4) If "
    "nothing arrives, tell me the address and I'll check it is the one on your account.",
    "2fa": "1) Make sure your phone's date and time are set automatically — codes depend on "
    "the clock. 2) Use the newest code and wait for a fresh one if it is about to expire. "
    "3) SMS codes can take a minute; request at most one every 60 seconds. 4) Lost the "
    "device? Use a backup code, or tell me and I'll start the identity check to reset "
    "two-factor sign-in.",
    "billing": "Sorry about that. A duplicate charge is usually a pending authorisation that "
    "disappears within 3–5 business days. If both charges are still there after that, send "
    "me the dates and the last four digits of the card and I'll refund the duplicate.",
    "refund": "I'm sorry it isn't working as it should. Faulty products can be returned "
    "within 30 days for a full refund or a replacement: start the return at "
    "example.com/returns with your order number and we'll email a prepaid label. The refund "
    "reaches your original payment method within 5 business days of our receiving it.",
    "device": "Let's check the hardware: 1) Charge it for 30 minutes with the original cable "
    "from a wall socket. 2) Hold the power button for 20 seconds to force a restart. 3) If it "
    "is damaged, overheating or still dead, stop using it — it's covered by our 1-year "
    "warranty, and I'll arrange a replacement or a refund.",
    "account": "Let's check your account details: 1) Sign out everywhere (Settings > "
    "Security > Sign out of all devices). 2) Sign in again and check Profile > Account. "
    "3) Change your password if anything looks unfamiliar. If details are still wrong, tell "
    "me the email on the account and I'll verify and correct them.",
    "crash": "1) Force-close the app and open it again. 2) Update it to the latest version. "
    "3) Restart the device. 4) If it still crashes or freezes, clear the app's cache or "
    "reinstall it — your data is kept in your account.",
    "not_working": "Let's narrow it down: 1) Restart the app or device. 2) Install pending "
    "updates. 3) Sign out and back in. 4) If it still doesn't work, tell me exactly what "
    "happens (an error message or code helps) and I'll dig deeper.",
    "error": "1) Note the exact error code and when it appears. 2) Restart the app and sign "
    "in again. 3) Check status.example.com — 5xx errors usually mean a temporary outage on "
    "our side. 4) If it persists, send me the code and a screenshot and I'll investigate.",
    "slow": "1) Restart the device — the first restart after an update finishes background "
    "work. 2) Make sure at least 10% of storage is free. 3) Install any follow-up update. "
    "4) Close apps you aren't using. If it stays slow, tell me the device and app version.",
    "connectivity": "1) Turn Wi-Fi/Bluetooth off and on again. 2) Forget the device or "
    "network and pair or connect again. 3) Update the app and the device's firmware. 4) For "
    "sync, sign out and back in on both devices and keep them online for a few minutes.",
    "data": "Don't worry — deleted items stay in Trash for 30 days, and you can restore "
    "earlier versions from Settings > Version history. If you can't find them there, tell me "
    "roughly when they disappeared and I'll check our backups.",
    "setup": "1) Download the latest installer from example.com/download. 2) Run it as an "
    "administrator and accept the driver prompt. 3) Restart when asked. 4) Sign in to "
    "activate. If a step fails, tell me the step and any message you see.",
    "default": "1) Restart the app or device. 2) Make sure it is up to date. 3) Sign out and "
    "back in. If the problem continues, tell me what you see (an error message or code "
    "helps) and I'll dig deeper.",
}

SUPPORT_ANSWERS = {key: numbered(text) for key, text in SUPPORT_ANSWERS_INLINE.items()}

# transfer_to_sales(reason=...): why the support agent hands over, by detail
SALES_REASONS = {
    "pricing": "customer asks about pricing",
    "plans": "customer wants to compare plans",
    "discount": "customer asks about discounts",
    "purchase": "customer wants to buy",
    "availability": "customer asks about availability",
    "shipping": "customer asks about delivery of an order",
    "upgrade": "customer wants to upgrade or add seats",
    "quote": "customer wants a quote",
    "invoice": "customer needs an invoice for a purchase",
    "trial": "customer asks about a free trial",
    "payment": "customer asks about payment options",
    "renewal": "customer wants to renew",
    "enterprise": "customer asks about an enterprise contract",
    "default": "customer needs sales",
}

HANDOVER_TO_SUPPORT = (
    "That's one for our support team, who handle technical and account problems — I'm "
    "handing you over to them now."
)
HANDOVER_TO_SALES = (
    "Plans, prices and orders are handled by our sales team — I'm handing you over to them now."
)

# A transfer needs a clear reading: a follow-up that leans only slightly to the
# other topic ("both charges are on the same day") stays with the current agent.
TRANSFER_MARGIN = 0.05

HANDOFFS_DIALOGUE = Dialogue(
    human_tool="escalate_to_human",
    human_say="Of course — I'm bringing in a person from our team.",
    human_reply_after="I've passed this conversation to a member of our team, who will reply "
    "here within one business day. They can see everything we've discussed.",
    clarify={
        "transfer_to_support": (
            "Could you tell me what you're looking for? For example \"how much is the "
            'Business plan for 10 users?" or "do you have the X200 in stock?"',
            "Let me ask differently: is this about buying or pricing something, or is "
            "something not working? A few words are enough.",
        ),
        "transfer_to_sales": (
            'Could you describe the problem? For example "I can\'t log in" or "the app '
            'crashes when I open it" — and any error message you see.',
            "Let me ask differently: what were you trying to do, and what happened instead?",
        ),
    },
    steer_back={
        "transfer_to_support": "That's not something I can help with, I'm afraid — I'm the "
        "sales assistant. Is there a plan, price or order I can help you with?",
        "transfer_to_sales": "I can't help with that one, I'm afraid — I'm the support "
        "assistant. Is something not working that I can help you fix?",
        "default": "I'm afraid I can't help with that. Is there anything about our products "
        "I can help with?",
    },
    offer_person="Sorry, I still haven't understood. Would you like me to pass you to a "
    "person from our team? Just say yes — or tell me once more what you need.",
    language_note="Sorry — this demo assistant only speaks English. Could you write your "
    "question in English?",
    after_escalation=(
        "A member of our team has your conversation and will reply here within one business "
        "day. If you have an order number or an error message, add it here for them.",
        "You're in the queue for a person — nothing else is needed from you right now. I can "
        "still answer questions about plans, prices or problems meanwhile.",
    ),
    moves=("transfer_to_support", "transfer_to_sales"),
)

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
