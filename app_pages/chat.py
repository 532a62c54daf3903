"""Chat: talk to the agent and watch the state machine move."""

import streamlit as st

from support_agent.core.state_view import transcript as saved_transcript
from support_agent.ui import (
    approval_card,
    chat_turn,
    diagram_download,
    jump,
    machine_panel,
    presenter,
    save_scenario,
    time_travel,
    transcript,
)
from support_agent.ui.app_context import context

ctx = context()
workflow = ctx.flow
state = ctx.read_state()

about = f"Workflow: **{workflow.title}** · model: **{ctx.model_shown}**"
if presenter.requested():  # the screen belongs to the machine: the chat's column holds the rest
    presenter.fit_to_screen()
    talk, machine = st.columns([1, 1.5], gap="medium")
    talk.caption(about)
    controls = talk.container(horizontal=True, vertical_alignment="center", gap="small")
    presenting = presenter.toggle(controls)
    download = controls.empty()  # filled last, with the state this run leaves
    new = talk  # its own line: squeezed into the row, its label was cut short
else:
    head, show, new = st.columns([3, 1.5, 1.8], vertical_alignment="bottom")
    presenting = presenter.toggle(show)
    head.title("Chat")
    said, download = st.columns([3, 1.3], vertical_alignment="center")
    said.caption(about)
    download = download.empty()  # filled last, with the state this run leaves
if new.button("New conversation", icon="➕", width="stretch"):
    ctx.new_conversation()
    st.rerun()
if presenting:  # the machine large beside the chat, drawn before the turn runs
    # The chat scrolls in its own box, so the page does not scroll the machine away.
    body = talk.container(height=presenter.CHAT_HEIGHT, border=False, key=presenter.CHAT_KEY)
    machine_panel.reserve_slot(
        workflow, state, machine, wide=True, waiting=ctx.waiting, controls=controls
    )
else:
    body = st.container()

to_send: tuple[str | None, bool] | None = None
to_decide: tuple[str, str] | None = None
waiting = ctx.waiting  # a gated action paused for a person's decision
with body:
    if notice := ctx.notice:
        st.info(notice, icon="🔗")
    if refusal := chat_turn.refused():
        st.warning(refusal)
    travel = st.empty()  # filled last, so it lists the turn this run adds
    rewound = st.empty()
    with rewound.container():
        time_travel.banner(ctx)

    transcript.show_saved(workflow, saved_transcript(state), ctx.thread_id)
    if state.get("handoff_limited"):
        st.info(
            "Transfer limit reached this turn: the agent answered itself instead of handing "
            "the customer over again.",
            icon="🔁",
        )

    card = st.empty()  # emptied when the customer's new message withdraws the request
    if waiting is not None and not chat_turn.failure():
        # An operator decides, in a visitor's conversation too (as with a ticket's reply).
        with card.container():
            to_decide = approval_card.card(workflow, waiting, ctx.operator)
    elif approval_card.pressed_after_it_was_decided(waiting):
        st.warning(approval_card.ALREADY_DECIDED)

    failure_box = st.empty()  # the last send's failure: a new send replaces it
    if failed := chat_turn.failure():
        with failure_box.container():
            if not failed["resume"] and failed["text"]:
                transcript.show_customer(failed["text"])
            st.error(failed["message"], icon="⚠️")
            # Only where trying again can help; otherwise the message says what to change.
            retry = failed.get("retryable", True) and st.button("Retry", icon="🔁", type="primary")
        if retry:
            to_send = (failed["text"], failed["resume"])

    if resend := time_travel.take_resend():
        ctx.view_point(resend["checkpoint_id"], "Edited message")
        to_send = (resend["text"], False)

    starters = st.empty()
    if not state.get("messages") and not failed and not ctx.view:
        with starters.container():
            st.markdown("**Try a starter conversation:**")
            cols = st.columns(len(workflow.starters) or 1)
            for col, (label, text) in zip(cols, workflow.starters, strict=False):
                if col.button(label, help=text, width="stretch"):
                    to_send = (text, False)

    if read_only := ctx.read_only:
        st.info(
            "This conversation was started by someone else: you can read it here, or "
            "continue it as your own copy (theirs stays as it is).",
            icon="👀",
        )
        # A copy of a paused conversation would carry the action without its pause.
        if st.button(
            "Continue as my own copy",
            icon="🍴",
            type="primary",
            disabled=waiting is not None,
            help="Possible once the action waiting for approval is decided." if waiting else None,
        ):
            ctx.fork()
            st.rerun()

if ctx.typed is not None:  # the chat input was drawn first (app.py, `chat_turn.input_box`)
    to_send = (ctx.typed, False)

with body:
    if to_send is not None or to_decide is not None:
        starters.empty()
        failure_box.empty()
        if to_send is not None:  # a new message withdraws what waits: its card goes
            card.empty()
        if to_decide is not None:
            new_state = chat_turn.decide(ctx, workflow, state, waiting, *to_decide)
        else:
            text, resume = to_send
            new_state = chat_turn.run(ctx, workflow, state, text, resume=resume)
        # Rerun to redraw in place: Retry, the new branch, the card gone or new.
        if (
            chat_turn.failure()
            or resend
            or to_decide
            or waiting is not None
            or (ctx.approvals and ctx.waiting)
        ):
            st.rerun()
        chat_turn.refused()  # already on the page: not for a later run
        if new_state is not None:
            state = new_state
            rewound.empty()  # the new branch is now the latest

    ctx.final_state = state
    paused = ctx.waiting
    diagram_download.popover(
        workflow,
        state,
        download,
        waiting=paused.tool if paused else "",
        tickets=machine_panel.ticket_ids(state),
        page="chat",
    )
    if not read_only:  # rewinding or saving belongs to the conversation's owner
        with travel.container():
            time_travel.panel(ctx, workflow, int(state.get("turn") or 0))
        # Scenario files are the operator's; a jumped conversation can't replay from the first step.
        if ctx.operator and not jump.jumped(state):
            save_scenario.save_scenario_button(ctx, workflow, state)
