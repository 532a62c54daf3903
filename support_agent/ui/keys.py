"""Every `st.session_state` key the app uses (widget keys too), in one place.

Keys made per item are templates: `TICKET_PART.format("row", ticket.id)`.
"""

from __future__ import annotations

CTX = "app.ctx"  # this run's `app_context.Context`
PROMPTS_SOURCE = "prompts.source"  # the active prompt versions, as a PromptSource
IDENTITY = "identity.owner"  # who this browser session is (ui/identity.py)
WORKFLOW_PICK = "workflow.pick.{}"  # per thread: it locks once the thread has a turn

THREAD = "chat.thread_id"
WORKFLOW = "chat.workflow"
NOTICE = "chat.notice"  # a message for the next page drawn (e.g. a dead link)

TURN_VIEW = "chat.turn_view"  # {"checkpoint_id", "label"}: a past point being viewed
TURN_FAILED = "chat.turn_failed"  # {"text", "message", "resume", "retryable"}
TURN_REFUSED = "chat.turn_refused"  # why the last send or decision changed nothing (one run)
TURN_RESEND = "chat.turn_resend"  # {"checkpoint_id", "text"} waiting to be sent
TURN_EDITING = "chat.turn_editing"  # the checkpoint before the turn being edited
SHOW_EARLIER = "chat.show_earlier"  # thread whose whole transcript the user asked for
SHOW_EARLIER_BUTTON = "chat-earlier"
TIMELINE = "chat.timeline"  # ((thread, latest checkpoint), Timeline)
TIMELINE_LOADED = "chat.timeline_loaded"  # thread whose long timeline the user asked for
TIMELINE_ALL = "chat.timeline_all"  # thread whose every turn the user asked to see
TIMELINE_ALL_BUTTON = "timeline-all"
TIMELINE_OPEN = "chat.timeline_open"  # the Time travel expander: its rows are drawn only open
TICKET_SLOTS = "chat.ticket_slots"  # {call id: placeholder} kept for a live hand-over's ticket
APPROVAL_CARD = "chat-approval"  # the paused action's card (a keyed container)
APPROVAL_SHOWN = "chat.approval.shown"  # the paused action whose buttons this page drew
APPROVAL_QUEUE = "tickets-approvals"  # the Tickets page's list of conversations waiting
APPROVAL_OPEN = "approval-open-{}"  # by thread
APPROVALS_TOGGLE = "approvals.{}"  # by workflow


def approval(request_id: str, part: str) -> str:
    """A paused action's card part: `text`, `note`, `approve` or `reject`."""
    return f"chat.approval.{part}.{request_id}"


# What a new conversation forgets; the other chat keys name the thread they are about.
NEW_CONVERSATION_RESETS: tuple[str, ...] = (TURN_VIEW, TURN_FAILED, TURN_RESEND, TURN_EDITING)

MACHINE_SLOT = "machine.slot"  # (placeholder, wide)
MACHINE_FACTS_BEFORE = "machine.facts_before"  # facts before this turn, to mark what changed
MACHINE_DRAWN = "machine.drawn"  # what the panel shows now, to skip redrawing the same
MACHINE_DOT = "machine.dot"  # the diagram last made, with what it was made of
PRESENTER = "presenter.on"
PRESENTER_TOGGLE = "presenter.toggle"
# Its class st-key-presenter-chat is sized to the window by the presenter stylesheet.
PRESENTER_CHAT = "presenter-chat"

JUMP_OPEN = "jump.open"  # the popover (open or closed): a jump closes it
JUMP_START = "jump.start"  # the "Start here" button
JUMP_FAILED = "jump.failed"  # why the last "Start here" started nothing (the store was down)
JUMP_STEP = "jump.step.{}"  # by workflow
JUMP_FACT = "jump.fact.{}.{}"  # by workflow and fact, shared by the steps that require it

MODEL_LABEL = "model.label"
MODEL_API_KEY = "model.api_key"  # typed in this session; never shown or stored
MODEL_NAME = "model.name.{}"  # by provider label
MODEL_URL = "model.url.{}"

PROMPTS_FLASH = "prompts.flash"  # {"where", "kind", "text"}: the outcome of the last action
PROMPTS_WORKFLOW = "prompts.workflow"
PROMPTS_STEP = "prompts.step.{}"
PROMPTS_TARGET = "prompts.target.{}.{}"


class PromptKeys:
    def __init__(self, workflow: str, key: str):
        self.workflow, self.key = workflow, key
        self.where = f"{workflow}/{key}"  # which editor a flash message belongs to (not a key)
        at = f"prompts.{{}}.{workflow}.{key}".format
        self.text, self.name, self.note, self.pick = at("text"), at("name"), at("note"), at("pick")
        self.diff_from, self.diff_to = at("diff_from"), at("diff_to")
        # A Save held back (it stops naming a step's tool), and the button that saves it anyway.
        self.unsaved, self.save_anyway = at("unsaved"), at("unsaved.anyway")


THREADS_CONFIRM_DELETE = "threads.confirm_delete"
THREADS_SEARCH = "threads.search"
THREADS_PAGE = "threads.page"
THREADS_RENAME_FAILED = "threads.rename_failed"  # (thread_id, message) of a refused rename
# A part of a time-travel row (rewind, edit, edit-text) or of a thread's card (title, open…).
PART = "{}-{}"  # part, checkpoint or thread id

TICKETS_STATUS = "tickets.status"  # the status filter: "Open", "Resolved" or "All"
TICKETS_SEARCH = "tickets.search"
TICKETS_PAGE = "tickets.page"
TICKETS_OPEN = "tickets.open"  # the id of the ticket being looked at ("T-1042")
TICKETS_FLASH = "tickets.flash"  # {"kind", "text"}: the outcome of the last action
TICKET_BOX = "tickets.{}.{}"  # a ticket's `reply` or resolution `note` box
TICKET_PART = "ticket-{}-{}"  # its queue `row` (class st-key-ticket-row-T-1042) or a button


class PickerKeys:
    def __init__(self, page: str):
        # The chosen names (and each checkbox's key prefix), kept apart from the boxes; the
        # names offered last time, so new files start chosen; a workflow's Select all / Clear.
        self.chosen, self.known = f"{page}.pick", f"{page}.known"
        self.box = f"{page}.pick.{{}}".format
        self.select_all, self.clear = f"{page}.all.{{}}".format, f"{page}.none.{{}}".format


SCENARIOS_PICKER = PickerKeys("scenarios")
EXPERIMENTS_PICKER = PickerKeys("experiments")
SCENARIOS_RUN = "scenarios.run"
SCENARIOS_SHOW = "scenarios.show"

SAVE_SCENARIO = "scenarios.save"
SAVE_OVERWRITE = f"{SAVE_SCENARIO}.overwrite"
SAVE_RECOVER = f"{SAVE_SCENARIO}.recover"
SAVE_BUTTON = f"{SAVE_SCENARIO}.button"
SAVE_TEXT = f"{SAVE_SCENARIO}.text.{{}}"  # one per draft: a new draft starts a fresh box
SAVE_TURNS = f"{SAVE_SCENARIO}.turns.{{}}.{{}}"  # messages read back, by thread and turn count
SAVE_DRAFT = f"{SAVE_SCENARIO}.draft"  # (what it was made from, the draft): one per conversation
SAVE_OPEN = f"{SAVE_SCENARIO}.open"  # the expander: its draft is made only while open

EXPERIMENTS_WHAT = "experiments.what"  # what differs: "prompt" (two versions) or "model"
EXPERIMENTS_WORKFLOW = "experiments.workflow"
EXPERIMENTS_RUN = "experiments.run"  # the last `experiments.Experiment` run in this session
EXPERIMENTS_OPEN = "experiments.open"  # the id of a kept experiment being looked at
EXPERIMENTS_B_PROVIDER = "experiments.b.provider"  # arm B's provider label (comparing models)
EXPERIMENTS_WORDING = "experiments.wording"  # also list scenarios that differ only in words
EXPERIMENTS_B = "experiments.b.{}.{}"  # arm B's model `name` or server `url`, by provider
EXPERIMENTS_KEY = "experiments.key.{}"  # which prompt of a workflow is compared
EXPERIMENTS_VERSION = "experiments.version.{}.{}.{}"  # side, workflow, prompt
EXPERIMENT_OPEN_BUTTON = "experiments.open.{}.{}"  # page, experiment id

WALK_SOURCE = "walkthrough.source"  # the radio: a shipped scenario or a saved conversation
WALK_SCENARIO = "walkthrough.scenario"  # the scenario picked (its file's path)
WALK_THREAD = "walkthrough.thread"  # the saved conversation picked (its thread id)
WALK_REPLAY = "walkthrough.replay"  # (what was picked, its `features.replays.Replay`)
WALK_TURN = "walkthrough.turn"  # (what was picked, the turn shown: 0 before the first)
WALK_BACK = "walkthrough-back"
WALK_NEXT = "walkthrough-next"
DIAGRAM_DOWNLOAD = "{}-diagram-{}"  # page, format
