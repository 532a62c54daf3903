"""What the offline model listens for in the support workflow, and says back.

The rules and the replies built from facts; the cues, FAQ and dialogue are
data in `workflows/data/support.yaml`. Which label a message carries (warranty status, hardware or
software) is learned (`support_agent.understanding`); the cues name the
*detail* that picks a reply (a cracked screen gets the screen repair), and the
outcome of a suggested fix. The rules turn labels into tool calls (see
`support_agent.models.policy`); the dialogue says what to do when no rule
fits (see `support_agent.models.dialogue`).
"""

from __future__ import annotations

from support_agent.models import dialogue as act
from support_agent.models.data import workflow_data
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
FAQ = DATA.faqs()

SUPPORT_DIALOGUE = DATA.dialogue_with(FAQ)

_WARRANTY_SAID = DATA.table("_WARRANTY_SAID")

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
