"""What the offline model listens for in the support workflow, and says back.

Data only: cues per label (see `support_agent.models.intents`) and the rules
that turn a label into a tool call (see `support_agent.models.policy`). Cues
are tried top to bottom, and a matched phrase is hidden from later cues, so
negations and specific phrases come first.
"""

from __future__ import annotations

from support_agent.models.intents import AgeCue, Classifier, Cue
from support_agent.models.policy import OfflineRules, Rule

_GAP = r"[^.?!]{0,30}"  # words between two halves of a phrase, within a sentence

WARRANTY = Classifier(
    "warranty",
    (
        Cue("unsure", r"\b(not sure|unsure|no idea|i don't know|dont know|do not know|not certain"
            r"|no clue|can't remember|cant remember|don't remember|i forget|hard to say)\b", 3),
        Cue("unsure", r"\b(i think so|i guess so|i believe so|maybe|probably|perhaps|possibly"
            r"|might be|could be)\b", 2.5),
        Cue("out_of_warranty", r"\b(no longer|not|isn't|is not|wasn't|aren't|no more|never"
            r"|doesn't have|does not have|don't have|without)\b" + _GAP
            + r"\b(under warranty|covered|in warranty|warranty|guarantee)", 3),
        Cue("out_of_warranty", r"\b(out of|outside( of)?|past( the)?|beyond|expired|lapsed"
            r"|ran out|run out|ended|over)\b[^.?!]{0,15}\b(warranty|guarantee|coverage)\b", 3),
        Cue("out_of_warranty", r"\b(warranty|guarantee|coverage)\b" + _GAP
            + r"\b(expired|ended|ran out|run out|lapsed|is over|was over|is up|finished"
            r"|void|voided|gone)\b", 3),
        Cue("out_of_warranty", r"\b(expired|lapsed|ran out|uncovered|second[- ]hand|used one"
            r"|refurbished from a friend|too old|ages ago|years ago)\b", 2),
        Cue("out_of_warranty", r"^(no|nope|nah|negative|not anymore|no it's not|no it isn't)\b", 1.5),
        Cue("out_of_warranty", r"\b(not anymore|no longer)\b", 1.5),
        Cue("in_warranty", r"\b(still|yes|yeah|yep|yup)\b" + _GAP
            + r"\b(under warranty|covered|in warranty|valid|good)\b", 3),
        Cue("in_warranty", r"\b(under|in|within|have|has|got)( the| a| my| its)?"
            r"( manufacturer's| extended| one[- ]year| two[- ]year)? (warranty|guarantee)\b", 2.5),
        Cue("in_warranty", r"\b(covered|still valid|applecare|care ?pack|extended warranty"
            r"|protection plan)\b", 2),
        Cue("in_warranty", r"\b(brand new|just bought|recently bought|bought it recently"
            r"|just got|got it yesterday|bought it yesterday|new phone|new laptop"
            r"|a few days old|days old|weeks old|this week|this month)\b", 2),
        AgeCue(below="in_warranty", at_least="out_of_warranty", months=12),
        Cue("in_warranty", r"^(yes|yeah|yep|yup|sure|correct|it is|affirmative|absolutely"
            r"|definitely|of course|indeed)\b", 1.5),
        Cue("in_warranty", r"\byes\b", 1),
    ),
)  # fmt: skip

ISSUE = Classifier(
    "issue",
    (
        Cue("unsure", r"\b(not sure|no idea|don't know|can't tell|hard to say)\b", 1),
        # software phrases that mention hardware words come first
        Cue("software", r"\b(nothing('s| is)|not|isn't|is not|no)\b[^.?!]{0,12}\b(broken|damaged"
            r"|cracked|physical\w*|hardware)\b( physically)?", 1),
        Cue("software", r"\b(camera|photo|music|mail|email|banking|maps?)\s+app\b", 3, "crash"),
        Cue("software", r"\b(stuck|frozen|freez\w*|hangs?|hanging)\b" + _GAP
            + r"\b(logo|boot\w*|start[- ]?up|splash|loading|spinning)\b", 3, "boot"),
        Cue("software", r"\bboot ?loop\w*\b|\brestart\w* (itself|on its own|randomly)"
            r"|\bkeeps (restarting|rebooting)\b", 3, "boot"),
        Cue("software", r"\b(sign in|sign-in|signin|log in|login|log-in|logged out|password"
            r"|account|authenticat\w*|2fa|verification code|locked out)\b", 3, "signin"),
        Cue("software", r"\bnotification\w*\b", 3, "notifications"),
        Cue("software", r"\b(apps?|application|programs?|games?)\b" + _GAP
            + r"\b(crash\w*|clos\w*|quit\w*|freez\w*|won't (open|load|start)"
            r"|doesn't (open|load|start)|not (open|load)\w*|keeps)\b", 3, "crash"),
        Cue("software", r"\bcrash\w*\b", 2.5, "crash"),
        Cue("software", r"\b(slow|sluggish|laggy|lags?|lagging|takes forever|performance"
            r"|stutter\w*)\b", 2, "slow"),
        Cue("software", r"\b(update|upgrade|updat\w*|new version|ios|android|windows|macos)\b", 1.5),
        Cue("software", r"\b(wi-?fi|bluetooth|hotspot|gps|vpn|sync\w*|backup|icloud"
            r"|storage (is )?full)\b", 2, "connectivity"),
        Cue("software", r"\b(software|glitch\w*|bugs?|buggy|error message|error code|errors?"
            r"|virus|malware|pop-?ups?|settings|operating system)\b", 2),
        Cue("software", r"\b(frozen|freez\w*|unresponsive|not responding|hangs)\b", 1.5),
        Cue("software", r"\bapps?\b", 1),
        # hardware
        Cue("hardware", r"\b(crack\w*|shatter\w*|smash\w*|broken|broke|chipped)\b" + _GAP
            + r"\b(screen|display|glass|panel)\b", 3, "screen"),
        Cue("hardware", r"\b(screen|display|glass|panel)\b" + _GAP
            + r"\b(crack\w*|shatter\w*|smash\w*|broken|broke|chipped|lines|dead pixels"
            r"|bleed\w*|black spots?|flicker\w*|touch (doesn't|does not|isn't) work\w*"
            r"|not responding to touch|unresponsive to touch)\b", 3, "screen"),
        Cue("hardware", r"\b(lines|stripes|dead pixels|black spots?|bleed\w*|flicker\w*)\b"
            + _GAP + r"\b(screen|display|panel)\b", 3, "screen"),
        Cue("hardware", r"\b(swollen|swelling|bulg\w*|puff\w*|expanded|leaking)\b" + _GAP
            + r"\bbattery\b|\bbattery\b" + _GAP + r"\b(swollen|swelling|bulg\w*|puff\w*"
            r"|expanded|leaking|hot|overheat\w*|won't hold|doesn't hold|not holding"
            r"|dies at|dead)\b", 3, "battery"),
        Cue("hardware", r"\bbattery\b", 1.5, "battery"),
        Cue("hardware", r"\b(water|liquid|coffee|juice|soda|wine|tea|rain|pool|toilet|sink"
            r"|bath\w*|wet|spill\w*|submerged|moisture|ocean|sea)\b", 3, "water"),
        Cue("hardware", r"\b(charging port|charger port|usb[- ]?c? port|lightning port|port)\b",
            3, "charging"),
        Cue("hardware", r"\b(won't|doesn't|does not|will not|isn't|not|stopped|no longer)\s+"
            r"charg\w*|\bcharg\w*\b" + _GAP + r"\b(loose|broken|bent|damaged|wiggl\w*"
            r"|only at an angle)\b", 3, "charging"),
        Cue("hardware", r"\b(speakers?|microphone|mic|earpiece|headphone jack|audio jack"
            r"|vibrat\w*)\b", 2.5, "audio"),
        Cue("hardware", r"\b(no sound|can't hear|cannot hear|crackl\w*|muffled|distorted"
            r"|buzz\w*)\b", 2, "audio"),
        Cue("hardware", r"\bcamera\b" + _GAP + r"\b(focus\w*|blurr?y|blurred|cracked|broken"
            r"|black|lens|fogg\w*|shak\w*)\b|\blens\b", 3, "camera"),
        Cue("hardware", r"\b(power|volume|home|side|lock)? ?buttons?\b" + _GAP
            + r"\b(stuck|broken|loose|doesn't work|not working|won't|jammed|fell off)\b"
            r"|\b(stuck|broken|loose|jammed)\b[^.?!]{0,10}\bbuttons?\b", 3, "buttons"),
        Cue("hardware", r"\b(keyboard|keys?|trackpad|touchpad|hinge|fan|case|housing|frame"
            r"|sim tray|sd card slot)\b" + _GAP + r"\b(broken|loose|stuck|cracked|bent|noisy"
            r"|grinding|rattl\w*|missing|snapped|fall\w* off|fell off|came off|coming off"
            r"|popped off)\b", 3, "physical"),
        Cue("hardware", r"\b(dropped|drop|fell|fall|fallen|dent\w*|bent|smash\w*|physical\w*"
            r"|smoke|smoking|burning smell|rattl\w*|sparks?|melted|overheat\w*|too hot"
            r"|scorching|snapped)\b", 2, "physical"),
        Cue("hardware", r"\b(cracked|shattered|broken)\b", 1.5, "physical"),
        Cue("hardware", r"\b(hardware|physical damage|physically damaged)\b", 2, "physical"),
        Cue("hardware", r"\b(won't turn on|doesn't turn on|will not turn on|won't power on"
            r"|no power|completely dead|totally dead)\b", 1.5, "power"),
    ),
)  # fmt: skip

OUTCOME = Classifier(
    "outcome",
    (
        Cue("human", r"\b(human|real person|a person|someone real|an agent|representative"
            r"|supervisor|manager|speak to someone|talk to someone)\b", 3),
        Cue("not_fixed", r"\b(didn't|did not|doesn't|does not|hasn't|has not|not|still|none of"
            r"|nothing)\b[^.?!]{0,25}\b(work\w*|help\w*|fix\w*|solve\w*|resolve\w*)\b", 3),
        Cue("not_fixed", r"\bstill\b[^.?!]{0,15}\b(crash\w*|doing it|happen\w*|slow|broken"
            r"|freez\w*|frozen|not working|won't|doesn't|can't|stuck|the same)\b", 3),
        Cue("not_fixed", r"\b(still (broken|happening|the same|crashing|slow|there)"
            r"|same problem|tried (that|those|everything|all of)|no luck|no change)\b", 3),
        Cue("thanks", r"\b(thanks|thank you|thx|cheers|appreciate it|that worked|works now"
            r"|fixed it|that fixed|all good|perfect|great help|bye|goodbye)\b", 2),
    ),
)  # fmt: skip

SOFTWARE_FIXES = {
    "crash": "1) Force-close the app and reopen it. 2) Update the app from the app store. "
    "3) Restart the device. 4) If it still crashes, clear the app's cache (Settings > Apps > "
    "the app > Storage > Clear cache) or reinstall it.",
    "slow": "1) Restart the device — the first restart after an update finishes background "
    "indexing. 2) Make sure at least 10% of storage is free. 3) Install any follow-up update "
    "(Settings > System > Software update). 4) Turn off battery saver and check which apps "
    "use the most battery in Settings > Battery.",
    "boot": "1) Force-restart: hold Power and Volume Down for 15 seconds. 2) If it stops at "
    "the logo again, boot into recovery mode and choose 'Repair' or 'Reinstall system "
    "software' (your data is kept). 3) Leave it on the charger during the repair.",
    "signin": "1) Check the date and time are set automatically. 2) Reset your password from "
    "the sign-in screen ('Forgot password'). 3) If you use two-step verification, request a "
    "new code and wait 60 seconds between tries. 4) Remove and re-add the account in "
    "Settings > Accounts.",
    "notifications": "1) Check Do Not Disturb / Focus is off. 2) In Settings > "
    "Notifications, make sure the app is allowed to notify. 3) Exclude the app from battery "
    "optimisation. 4) Restart the device.",
    "connectivity": "1) Toggle airplane mode on and off. 2) Forget the network or device and "
    "pair again. 3) Reset network settings (Settings > System > Reset > Network). "
    "4) Install pending updates.",
    "default": "1) Restart the device. 2) Install pending system and app updates. "
    "3) Clear the cache of the affected app or reinstall it. 4) If the problem persists, "
    "back up and reset settings (Settings > System > Reset settings; your files are kept).",
}

WARRANTY_REPAIRS = {
    "screen": "Your cracked screen is covered. Book a free warranty screen replacement at "
    "support.example.com/repair or any authorised service centre; bring the device and "
    "proof of purchase. Back up your data first — the repair takes 1–2 business days.",
    "battery": "Stop using and charging the device now: a swollen or failing battery is a "
    "safety risk. Your warranty covers a free battery replacement — book it at "
    "support.example.com/repair and we'll send a prepaid, fire-safe shipping box.",
    "water": "Power the device off and don't charge it. Liquid damage is assessed at the "
    "service centre: book a warranty inspection at support.example.com/repair and bring "
    "proof of purchase; we'll confirm coverage before any work is done.",
    "default": "This is covered by your warranty. Book a free repair at "
    "support.example.com/repair (or visit an authorised service centre) with your proof "
    "of purchase; back up your data first. Most repairs take 3–5 business days.",
}

SUPPORT_RULES = OfflineRules(
    classifiers={c.name: c for c in (WARRANTY, ISSUE, OUTCOME)},
    rules=(
        # Warranty verification
        Rule(
            tool="record_warranty_status",
            classifier="warranty",
            arg="status",
            fact="warranty_status",
            say={
                "in_warranty": "Great, your device is under warranty.",
                "out_of_warranty": "Thanks — I've noted that the warranty has ended.",
            },
            ask="Hi, I'm sorry to hear that — I'll help you sort it out. First, is your "
            "device still under warranty?",
            ask_unsure="No problem. You can check on your receipt or order confirmation: "
            "devices bought within the last 12 months are under warranty. Is yours?",
        ),
        # Issue classification
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
        # Resolution: corrections first, then follow-ups, then the tutorial's routes
        Rule(
            tool="go_back_to_warranty",
            classifier="warranty",
            contradicts="warranty_status",
            say="Thanks for correcting that — let me update the warranty status.",
        ),
        Rule(
            tool="go_back_to_classification",
            classifier="issue",
            contradicts="issue_type",
            say="Thanks for clarifying — let me reclassify the issue.",
        ),
        Rule(
            tool="escalate_to_human",
            classifier="outcome",
            labels=("human", "not_fixed"),
            args={
                "reason": {
                    "human": "Customer asked to speak to a person",
                    "default": "The suggested fix did not solve the {issue_type} issue",
                }
            },
            say="I'm sorry that didn't solve it. I'll bring in a specialist.",
            reply_after="I've passed your case to a human support specialist ({reason}). "
            "They'll contact you within one business day.",
        ),
        Rule(
            offered=("provide_solution", "escalate_to_human"),
            classifier="outcome",
            labels=("thanks",),
            say="You're welcome! If anything else comes up, just write here.",
        ),
        Rule(
            tool="provide_solution",
            classifier="issue",
            look_back=True,
            need_label=False,
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
            when={"issue_type": "hardware", "warranty_status": "in_warranty"},
            args={"solution": WARRANTY_REPAIRS},
            say="Good news: this hardware issue is covered by your warranty.",
            reply_after="{solution}\n\nAnything else I can help with?",
        ),
        Rule(
            tool="escalate_to_human",
            classifier="issue",
            look_back=True,
            need_label=False,
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
