"""What the offline model listens for in the support workflow, and says back.

Data only. Which label a message carries (warranty status, hardware or
software) is learned (`support_agent.understanding`); the cues here name the
*detail* that picks a reply (a cracked screen gets the screen repair), and the
outcome of a suggested fix. The rules turn labels into tool calls (see
`support_agent.models.policy`); the dialogue says what to do when no rule
fits (see `support_agent.models.dialogue`).
"""

from __future__ import annotations

from support_agent.models import dialogue as act
from support_agent.models.data import workflow_data
from support_agent.models.dialogue import Dialogue, Faq
from support_agent.models.intents import Classifier, LearnedClassifier
from support_agent.models.policy import OfflineRules, Rule, numbered

DATA = workflow_data("support")

_GAP = r"[^.?!]{0,30}"  # words between two halves of a phrase, within a sentence

ISSUE_DETAILS = Classifier(
    "issue_details",
    DATA.cues_of('issue_details'),
)  # fmt: skip

OUTCOME = Classifier(
    "outcome",
    DATA.cues_of('outcome'),
)  # fmt: skip

ISSUE = LearnedClassifier("issue", "issue", details=ISSUE_DETAILS)
WARRANTY = LearnedClassifier("warranty", "warranty")
# Outside the warranty step, only a message about the warranty can correct it.
WARRANTY_CORRECTION = LearnedClassifier(
    "warranty_correction",
    "warranty",
    gate=r"warrant|waranty|guarant|covered|coverage|receipt|bought|purchased|expired|lapsed"
    r"|(year|month|week)s? (old|ago)|brand new",
)

# A correction is a statement ("actually it's the app, not the screen"); a question
# ("what are my options for getting it repaired?") is a follow-up.
ISSUE_CORRECTION = LearnedClassifier(
    "issue_correction", "issue", details=ISSUE_DETAILS, gate=r"^(?!.*\?\s*$)"
)

# A new problem in Resolution: it is described ("the port on my tablet is broken
# too"), and said to be another one ("another", "also", "separate", "my other").
NEW_CASE = LearnedClassifier(
    "new_case",
    "issue",
    gate=r"\b(another|a different|a new|one more|a second|separate|other|also|as well|too)\b",
)

REPAIR_SITE = "[support.example.com/repair](https://support.example.com/repair)"

SOFTWARE_FIXES = {
    key: numbered(text)
    for key, text in {
        "crash": "1) Force-close the app and reopen it. 2) Update the app from the app store. "
        "3) Restart the device. 4) If it still crashes, clear the app's cache (Settings > "
        "Apps > the app > Storage > Clear cache) or reinstall it.",
        "slow": "1) Restart the device — the first restart after an update finishes "
        "background indexing. 2) Make sure at least 10% of storage is free. 3) Install any "
        "follow-up update (Settings > System > Software update). 4) Turn off battery saver "
        "and check which apps use the most battery in Settings > Battery.",
        "boot": "1) Force-restart: hold Power and Volume Down for 15 seconds. 2) If it stops "
        "at the logo again, boot into recovery mode and choose 'Repair' or 'Reinstall system "
        "software' (your data is kept). 3) Leave it on the charger during the repair.",
        "signin": "1) Check the date and time are set automatically. 2) Reset your password "
        "from the sign-in screen ('Forgot password'). 3) If you use two-step verification, "
        "request a new code and wait 60 seconds between tries. 4) Remove and re-add the "
        "account in Settings > Accounts.",
        "notifications": "1) Check Do Not Disturb / Focus is off. 2) In Settings > "
        "Notifications, make sure the app is allowed to notify. 3) Exclude the app from "
        "battery optimisation. 4) Restart the device.",
        "connectivity": "1) Toggle airplane mode on and off. 2) Forget the network or device "
        "and pair again. 3) Reset network settings (Settings > System > Reset > Network). "
        "4) Install pending updates.",
        "default": "1) Restart the device. 2) Install pending system and app updates. "
        "3) Clear the cache of the affected app or reinstall it. 4) If the problem persists, "
        "back up and reset settings (Settings > System > Reset settings; your files are kept).",
    }.items()
}

WARRANTY_REPAIRS = {
    "screen": "Your cracked screen is covered. Book a free warranty screen replacement at "
    f"{REPAIR_SITE} or any authorised service centre; bring the device and proof of "
    "purchase. Back up your data first — the repair takes 1–2 business days.",
    "battery": "Stop using and charging the device now: a swollen or failing battery is a "
    "safety risk. Your warranty covers a free battery replacement — book it at "
    f"{REPAIR_SITE} and we'll send a prepaid, fire-safe shipping box.",
    "water": "Power the device off and don't charge it. Liquid damage is assessed at the "
    f"service centre: book a warranty inspection at {REPAIR_SITE} and bring proof of "
    "purchase; we'll confirm coverage before any work is done.",
    "default": f"This is covered by your warranty. Book a free repair at {REPAIR_SITE} (or "
    "visit an authorised service centre) with your proof of purchase; back up your data "
    "first. Most repairs take 3–5 business days.",
}

# Follow-ups in Resolution, answered by case: "escalated", "<issue>_<warranty>",
# "<issue>", "<warranty>", then "default".
FAQ = (
    Faq(
        "next_steps",
        r"\b(what (should|do|can) i do|what now|now what|what next|next steps?|what happens now"
        r"|what do you suggest|any advice)\b",
        {
            "escalated": "Nothing more is needed from you: a specialist will contact you within "
            "one business day with the options and, for a paid repair, a quote.",
            "hardware_in_warranty": f"Book the free warranty repair at {REPAIR_SITE} (or visit "
            "an authorised service centre), back up your data first, and bring the device with "
            "your proof of purchase.",
            "software": "Work through the troubleshooting steps above in order, checking after "
            "each one. If the problem is still there after the last step, tell me and I'll bring "
            "in a specialist.",
            "default": "Tell me what happens when you try the suggested steps, and I'll take it "
            "from there.",
        },
    ),
    Faq(
        "how_long",
        r"\b(how long|how many (days|hours|weeks)|when will|when can i|how soon|how quick"
        r"|turnaround|take long|wait time)\b",
        {
            "escalated": "A specialist contacts you within one business day. Once you agree to "
            "the quote, most paid repairs take 3–5 business days.",
            "hardware_in_warranty": "Warranty repairs take 1–2 business days for screens and "
            "batteries and up to 5 business days for other parts, plus shipping if you mail "
            "it in.",
            "software": "The steps take about 10 minutes. A restart after an update can take a "
            "few minutes longer than usual.",
            "default": "Most cases are settled within 1–5 business days.",
        },
    ),
    Faq(
        "cost",
        r"\b(how much|cost|costs|price|pay|paying|charge|fee|fees|free|expensive|quote)\b",
        {
            "escalated": "The specialist quotes the exact price before any work starts, so "
            "nothing is charged without your OK. As a guide, out-of-warranty screen repairs "
            "start at $129 and battery replacements at $89.",
            "hardware_in_warranty": "Nothing: parts, labour and return shipping are covered by "
            "your warranty.",
            "software": "Nothing — troubleshooting and software support are free.",
            "default": "Anything covered by warranty is free; anything else is quoted before "
            "work starts.",
        },
    ),
    Faq(
        "bring",
        r"\b(bring|take with me|need to have|prepare|charger|cable|receipt|proof of purchase"
        r"|box|packaging|back ?up|passcode)\b",
        "Bring the device, your proof of purchase (receipt or order email) and, if you can, "
        "the charger. Back up your data and note your passcode: the technician needs to test "
        "the device. You don't need the original box.",
    ),
    Faq(
        "where",
        r"\b(where|store|shop|location|near me|nearby|address|service cent(er|re)|drop it off"
        r"|mail it|send it in|post it)\b",
        "You can drop it at any authorised service centre (find the nearest at "
        f"{REPAIR_SITE}) or mail it in: we email a prepaid shipping label when you book.",
    ),
    Faq(
        "contact",
        r"\b(contact|phone number|call (you|me|back)|email (you|address)|reach (you|someone)"
        r"|get in touch|follow up|hear back|case number|reference)\b",
        {
            "escalated": "The specialist will contact you by email and phone within one "
            "business day. You can also reply here at any time; this conversation is your "
            "case record.",
            "default": "You can reply here at any time — this conversation is your case "
            "record — or call support on 0800 555 0100 (Monday to Friday, 8:00–20:00).",
        },
    ),
    Faq(
        "other_device",
        r"\b(other|another|second|my (wife|husband|partner|son|daughter|kid)'?s?)\s+(\w+\s+)?"
        r"(device|phone|laptop|tablet|computer|one)\b",
        "Yes, I can help with that one too. Describe what's wrong with it and I'll open a "
        "separate case, starting with its warranty.",
    ),
)

SUPPORT_DIALOGUE = Dialogue(
    human_tool="escalate_to_human",
    human_say="Of course — I'm bringing in a person from our support team.",
    human_reply_after="I've passed your case to a human support specialist, who will contact "
    "you within one business day. Everything you've told me is in the case, so you won't "
    "have to repeat it.",
    clarify={
        "record_warranty_status": (
            "I need to know whether the device is still under warranty. A yes or no is "
            'enough — for example "yes, bought it in March" or "no, it expired". If you\'re '
            "not sure, check the date on your receipt: devices bought in the last 12 months "
            "are covered.",
            "Let me put it another way: did you buy the device less than 12 months ago, or "
            'do you have an extended warranty that is still running? Answer "yes" or "no".',
        ),
        "record_issue_type": (
            'Could you tell me what the problem looks like? For example "the screen is '
            'cracked" (something physical) or "the app keeps crashing" (software).',
            "To route this right I need one detail: is a part damaged or failing (screen, "
            "battery, port, buttons), or is it an app, an update or a setting misbehaving?",
        ),
        "default": (
            "Could you tell me a little more? For example, ask how long the repair takes, what "
            "it costs, or tell me if the fix didn't help.",
            "I didn't quite get that. You can ask about cost, timing or where to go, correct "
            "something I recorded, or ask for a person.",
        ),
    },
    steer_back={
        "record_warranty_status": "That's outside what I can help with here — I handle "
        "device support. Let's get your case started: is your device still under warranty?",
        "record_issue_type": "I'm only able to help with device problems, I'm afraid. Could "
        "you describe what's wrong with the device?",
        "default": "I'm afraid that's outside what I can help with — I'm here for your device "
        "case. Is there anything else about the repair or the fix I can answer?",
    },
    offer_person="I'm sorry, I'm still not sure I've understood. Would you like me to pass "
    "you to a person from our support team? Just say yes — or try describing it once more.",
    language_note="Sorry — this demo agent only speaks English (it understands a simple yes "
    "or no in Spanish, French, German, Portuguese and Italian). Could you write in English?",
    after_escalation=(
        "Your case is with a human specialist now; they'll contact you within one business "
        "day. Until then, keep your proof of purchase handy and back up your data if the "
        "device still turns on.",
        "Nothing else is needed from you right now — the specialist has your case and will "
        "be in touch within one business day. Ask me about cost, timing or where to go if "
        "that helps.",
    ),
    faq=FAQ,
    faq_by=("issue_type", "warranty_status"),
    moves=(
        "record_warranty_status",
        "record_issue_type",
        "go_back_to_warranty",
        "go_back_to_classification",
        "start_new_case",
    ),
    new_case_tool="start_new_case",
)

_WARRANTY_SAID = {
    "in_warranty": "Great, your device is under warranty.",
    "out_of_warranty": "Thanks — I've noted that the warranty has ended.",
}

SUPPORT_RULES = OfflineRules(
    classifiers={
        c.name: c
        for c in (WARRANTY, WARRANTY_CORRECTION, ISSUE, ISSUE_CORRECTION, OUTCOME, NEW_CASE)
    },
    dialogue=SUPPORT_DIALOGUE,
    rules=(
        # Warranty verification
        Rule(
            tool="record_warranty_status",
            classifier="warranty",
            arg="status",
            fact="warranty_status",
            say=_WARRANTY_SAID,
            ask="I can help with your device. First, is it still under warranty?",
        ),
        # Issue classification; the customer may correct the warranty first
        Rule(
            tool="go_back_to_warranty",
            classifier="warranty_correction",
            contradicts="warranty_status",
            say="Thanks for correcting that — let me update the warranty status.",
        ),
        Rule(
            tool="record_issue_type",
            classifier="issue",
            arg="issue_type",
            look_back=True,
            fact="issue_type",
            say="That sounds like a {value} issue.",
            ask="Could you describe what's happening with the device? For example: is "
            "something physically damaged, or is an app or the system misbehaving?",
        ),
        # Resolution: a new problem, corrections, follow-ups, then the tutorial's routes
        Rule(
            tool="start_new_case",
            classifier="new_case",
            say="Let's open a new case for that one.",
        ),
        Rule(offered=("provide_solution",), faq=True),
        Rule(
            tool="escalate_to_human",
            offered=("provide_solution",),
            classifier="outcome",
            labels=("not_fixed",),
            once=True,
            args={"reason": "The suggested fix did not solve the {issue_type} issue"},
            say="I'm sorry that didn't solve it. I'll bring in a specialist.",
            reply_after="I've passed your case to a human support specialist ({reason}). "
            "They'll contact you within one business day.",
        ),
        Rule(
            tool="go_back_to_classification",
            classifier="issue_correction",
            contradicts="issue_type",
            min_margin=0.1,
            say="Thanks for clarifying — let me reclassify the issue.",
        ),
        Rule(
            offered=("provide_solution",),
            classifier="outcome",
            labels=("thanks",),
            act=act.THANKS,
            say="You're welcome! If anything else comes up, just write here.",
        ),
        Rule(
            tool="provide_solution",
            classifier="issue",
            look_back=True,
            need_label=False,
            once=True,
            when={"issue_type": "software"},
            args={"solution": SOFTWARE_FIXES},
            say="Here are troubleshooting steps for this software issue.",
            reply_after="Please try these steps:\n\n{solution}\n\nIf they don't fix it, "
            "tell me and I'll bring in a specialist.",
        ),
        Rule(
            tool="provide_solution",
            classifier="issue",
            look_back=True,
            need_label=False,
            once=True,
            when={"issue_type": "hardware", "warranty_status": "in_warranty"},
            args={"solution": WARRANTY_REPAIRS},
            say="Good news: this hardware issue is covered by your warranty.",
            reply_after="{solution}\n\nAnything else I can help with?",
        ),
        Rule(
            tool="escalate_to_human",
            offered=("provide_solution",),
            classifier="issue",
            look_back=True,
            need_label=False,
            once=True,
            when={"issue_type": "hardware", "warranty_status": "out_of_warranty"},
            args={
                "reason": "Out-of-warranty hardware repair ({detail}): quote paid repair options"
            },
            say="Since the warranty has ended, a repair specialist needs to quote the "
            "paid repair options.",
            reply_after="I've passed your case to a human repair specialist, who will "
            "contact you with paid repair options and a quote within one business day.",
        ),
    ),
)
