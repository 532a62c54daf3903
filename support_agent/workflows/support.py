"""Customer support with handoffs: the LangChain tutorial's state machine.

warranty_collector -> issue_classifier -> resolution_specialist, with go-back tools for
corrections. The steps' words and prompts, and the offline model's cues, rules, FAQ and
dialogue, are data in `data/support.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal, NotRequired

from langchain.tools import ToolRuntime, tool
from langgraph.types import Command

from support_agent.core.declaration import Fact, RunContext, Step, StepState, Workflow
from support_agent.offline.intents import (
    CaseReader,
    Classifier,
    LearnedClassifier,
    Reader,
    Verdict,
    normalise,
)
from support_agent.offline.policy import UNREAD, OfflineRules
from support_agent.offline.rule_files import workflow_data
from support_agent.offline.understanding import decide
from support_agent.offline.understanding.answers import leading_answer
from support_agent.offline.understanding.decisions import DECISIONS
from support_agent.workflows.human import HAND_OVER, PERSON, escalate_to_human

DATA = workflow_data("support")

# --- What the offline model reads: which label is learned; cues name the detail ----------

ISSUE_DETAILS = Classifier("issue_details", DATA.cues["issue_details"])
# Words that name a part, a symptom or the kind of problem (a correction needs one).
NAMES_A_PROBLEM = DATA.cues["names_a_problem"][0].pattern
DENIED_DAMAGE = DATA.cues["denied_damage"][0].pattern
ANSWER_BESIDE_A_FAULT = DATA.cues["answer_beside_a_fault"][0].pattern
WARRANTY_MONTHS = 12.0  # what a stated age is judged against, as the step's questions say
# A strong cue settles what the learned model is unsure of ("so hot all the time").
DECISIVE_CUES = 3.0  # cues this far ahead of the rest name the fault for sure
ISSUE = LearnedClassifier("issue", "issue", details=ISSUE_DETAILS, cues_decide_at=DECISIVE_CUES)
WARRANTY = LearnedClassifier("warranty", "warranty", warranty_months=WARRANTY_MONTHS)
FAULT_NAMES = DATA.texts["fault_names"]  # a fault's detail -> its words ("the charging")
OTHER_FAULTS = DATA.texts["other_faults"]  # the note on them, by what the case gets
CLEARED = DECISIONS["issue"].cleared or "(?!)"  # "the battery is fine": no fault named
CLAUSE_MARGIN = 0.3  # how sure a reading of one clause must be to stand for the message
_CLAUSES = re.compile(r"(?<=[.!?])\s+|\s(?:and|but|so)\s(?!(?:a )?half\b)", re.IGNORECASE)
_PARTS = re.compile(r"[.;:!?,]+|\s(?:and|but|plus|also|as well as)\s", re.IGNORECASE)


def _faults(text: str) -> dict[str | None, str]:
    """Each fault a part of `text` names (its detail), with its kind; a part that clears
    something ("the battery is fine") names none."""
    parts = [p for p in _PARTS.split(text) if len(p.split()) >= 2]
    parts = [p for p in parts if not re.search(CLEARED, normalise(p))]
    read = (ISSUE.classify(part) for part in parts)
    return {v.detail: str(v.label) for v in read if v.label not in UNREAD}


def _reads(reader: LearnedClassifier, clause: str) -> bool:
    """Whether `reader` reads `clause` clearly on its own: the warranty from a date or words
    about the coverage, the fault surely; not a guess at a few words ("Hello sir, good day",
    "my husband keeps all that stuff in a folder")."""
    verdict, months = reader.classify(clause), reader.warranty_months
    if verdict.label in UNREAD or (months is None and verdict.margin < CLAUSE_MARGIN):
        return False
    return (
        months is None or decide(reader.decision, clause, warranty_months=months).source != "model"
    )


def read_by_clause(text: str, reader: LearnedClassifier, other: LearnedClassifier) -> Verdict:
    """`reader`'s verdict on `text`; when unsure because the message also answers `other`
    (a long message buries the warranty answer in the fault, or the fault in the warranty
    answer: "photos are very blurry. Warranty is valid till next year"), on the clauses it
    reads, if they agree."""
    verdict = reader.classify(text)
    clauses = [c for c in _CLAUSES.split(text) if c.strip()]
    read = [c for c in clauses if _reads(reader, c)]
    if verdict.label not in UNREAD or not any(_reads(other, c) for c in clauses if c not in read):
        return verdict
    agreed = reader.classify(" , ".join(read)) if read else verdict
    return agreed if read and agreed.label == reader.classify(read[0]).label else verdict


def issue(text: str) -> Verdict:
    """The issue a message names; one naming a part that failed and an app or a setting
    ("the app keeps crashing and my screen is cracked") is the part's: it needs the repair,
    and the other is noted with it (`issue_and_other_faults`)."""
    verdict = read_by_clause(text, ISSUE, WARRANTY)
    if verdict.label in UNREAD and _reads(WARRANTY, text):
        # "my tablet screen cracked ... is that covered under warranty i bought it like four
        # months ago": the warranty's words hide the fault from the model, not from the cues.
        cues = ISSUE_DETAILS.classify(text)
        ranked = sorted(cues.scores.values(), reverse=True) + [0.0]
        if cues.label and ranked[0] - ranked[1] >= DECISIVE_CUES:
            return replace(cues, margin=1.0)
    if verdict.label in UNREAD and "software" in (faults := _faults(text)).values():
        part = next((d for d, label in faults.items() if label == "hardware"), None)
        if part in FAULT_NAMES:
            return Verdict("hardware", part, {"hardware": 1.0}, margin=1.0)
    return verdict


def warranty_answer(text: str) -> Verdict:
    """The warranty answer; in "yes, and it also won't charge" the opening yes or no answers
    the question, and the rest is the fault (read at the next step)."""
    verdict = read_by_clause(text, WARRANTY, ISSUE)
    said = leading_answer(text)
    beside = said and re.search(ANSWER_BESIDE_A_FAULT, normalise(text))
    if verdict.label in UNREAD and beside and ISSUE.classify(text).label not in UNREAD:
        label = DECISIONS["warranty"].yes_no[said]
        return Verdict(label, None, {label: 1.0}, margin=1.0)
    return verdict


def issue_and_other_faults(texts: Sequence[str]) -> Verdict:
    """The issue as the latest message that names one reads it, with a note on each other
    fault the case names ("the screen is cracked and it also won't charge"): one repair,
    quote or set of steps, and the rest not forgotten. A cause beside a fault ("dropped it
    and the screen cracked") is no second fault of its kind: only faults with words count."""
    read = [issue(text) for text in texts] or [Verdict(None, None)]
    verdict = next((v for v in reversed(read) if v.label not in UNREAD), read[-1])
    named = {d: label for text in texts for d, label in _faults(text).items()}
    own = verdict.detail in FAULT_NAMES  # else the others of its kind are what it caused
    others = [
        FAULT_NAMES[d]
        for d, label in named.items()
        if d in FAULT_NAMES and d != verdict.detail and (own or label != verdict.label)
    ]
    listed = " and ".join(filter(None, (", ".join(others[:-1]), "".join(others[-1:]))))
    notes = {f"also_{key}": note.format(others=listed) for key, note in OTHER_FAULTS.items()}
    return replace(verdict, words={k: v if others else "" for k, v in notes.items()})


SUPPORT_RULES = OfflineRules(
    classifiers=(
        WARRANTY,
        Reader("warranty_answer", warranty_answer),
        # Outside the warranty step, only a message about the warranty can correct it.
        LearnedClassifier(
            "warranty_correction",
            "warranty",
            warranty_months=WARRANTY_MONTHS,
            gate=r"warrant|waranty|guarant|covered|coverage|receipt|bought|purchased"
            r"|expired|lapsed|(year|month|week)s? (old|ago)|brand new|last year"
            r"|christmas|xmas|boxing day|black friday|birthday",
        ),
        ISSUE,
        Reader("issue_or_hardware", issue),
        CaseReader("issue_and_other_faults", issue_and_other_faults),
        # A correction is a statement; a question ("what are my options?") is a follow-up.
        # It names the problem anew ("it's actually the screen"): a story beside a
        # question ("I don't drive any more since my hip operation") corrects nothing.
        LearnedClassifier(
            "issue_correction",
            "issue",
            details=ISSUE_DETAILS,
            gate=r"^(?!.*\?\s*$)(?!" + DENIED_DAMAGE + ")(?=.*" + NAMES_A_PROBLEM + ")",
        ),
        Classifier("outcome", DATA.cues["outcome"]),
        Classifier("denied_damage", DATA.cues["denied_damage"]),
        Classifier("told_damage", DATA.cues["told_damage"]),
        # A new case only when asked for ("I have another problem"), or a problem said
        # to be an additional one ("also, my tablet's port is broken too").
        Classifier("new_case_asked", DATA.cues["new_case_asked"]),
        LearnedClassifier(
            "new_case",
            "issue",
            # "I already changed the cable also" adds what was tried, not a problem.
            gate=r"^(?!.*\b(already|tried|i('ve| have)? (changed|replaced|swapped|restarted)))"
            r".*\b(also|too|as well|in addition|additionally|on top of that)\b",
        ),
    ),
    dialogue=DATA.dialogue_with(DATA.faq),
    rules=DATA.rules,
    related=DATA.related_details,
)

# --- State ---------------------------------------------------------------------------

SupportStep = Literal["warranty_collector", "issue_classifier", "resolution_specialist"]
WarrantyStatus = Literal["in_warranty", "out_of_warranty"]
IssueType = Literal["hardware", "software"]


class SupportState(StepState):
    """State for the customer support workflow."""

    current_step: NotRequired[SupportStep]
    warranty_status: NotRequired[WarrantyStatus]
    issue_type: NotRequired[IssueType]


# --- Tools (a tool's docstring is the description the model reads) --------------------


@tool
def record_warranty_status(
    status: WarrantyStatus, runtime: ToolRuntime[RunContext, SupportState]
) -> Command:
    """Record the customer's warranty status and move on to issue classification."""
    return SUPPORT.move(
        runtime,
        "record_warranty_status",
        f"Warranty status recorded as: {status}",
        warranty_status=status,
    )


@tool
def record_issue_type(
    issue_type: IssueType, runtime: ToolRuntime[RunContext, SupportState]
) -> Command:
    """Record the type of issue (hardware or software) and move on to resolution."""
    return SUPPORT.move(
        runtime,
        "record_issue_type",
        f"Issue type recorded as: {issue_type}",
        issue_type=issue_type,
    )


@tool
def provide_solution(solution: str) -> str:
    """Provide a solution to the customer's issue."""
    return f"Solution provided: {solution}"


@tool
def go_back_to_warranty(runtime: ToolRuntime[RunContext, SupportState]) -> Command:
    """Go back to the warranty verification step to correct the warranty status."""
    return SUPPORT.move(runtime, "go_back_to_warranty", "Returned to warranty verification.")


@tool
def go_back_to_classification(runtime: ToolRuntime[RunContext, SupportState]) -> Command:
    """Go back to the issue classification step to correct the issue type."""
    return SUPPORT.move(runtime, "go_back_to_classification", "Returned to issue classification.")


@tool
def start_new_case(runtime: ToolRuntime[RunContext, SupportState]) -> Command:
    """Start a new case for a different problem or device: clear the recorded facts."""
    return SUPPORT.move(
        runtime,
        "start_new_case",
        "Started a new case; warranty status and issue type cleared.",
        warranty_status=None,
        issue_type=None,
    )


# --- The workflow ----------------------------------------------------------------------

SUPPORT = Workflow(
    name="support",
    title="Customer support (state machine)",
    state_key="current_step",
    initial="warranty_collector",
    steps=(  # their titles, descriptions, prompts and requirements: data/support.yaml
        Step(
            **DATA.step_words("warranty_collector"),
            tools=(record_warranty_status, escalate_to_human),
        ),
        Step(
            **DATA.step_words("issue_classifier"),
            tools=(record_issue_type, go_back_to_warranty, escalate_to_human),
        ),
        Step(
            **DATA.step_words("resolution_specialist"),
            tools=(
                provide_solution,
                escalate_to_human,
                go_back_to_warranty,
                go_back_to_classification,
                start_new_case,
            ),
        ),
    ),
    moves=DATA.moves,
    facts=tuple(Fact(**words) for words in DATA.fact_words()),
    tool_labels=DATA.tool_labels,
    approvals=(HAND_OVER,),
    hand_over=PERSON,
    offline_rules=SUPPORT_RULES,
    starters=DATA.starters,
    state_schema=SupportState,
    rank=0,  # the tutorial comes first
)
