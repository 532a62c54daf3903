"""Features on the store: tickets, approvals, prompt versions, experiments, scenarios, replays.
Each owns its table on the store's database (`app_store.AppStore`); the store imports none."""
