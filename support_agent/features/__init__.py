"""Features on top of the store: tickets, approvals, prompt versions, experiments, scenarios,
replays (a conversation turn by turn, for a walkthrough).

Each feature owns its table on the store's database (`app_store.AppStore`
gathers them); the store never imports a feature.
"""
