"""The conversation service: one turn's whole life, for every face (page, terminal, bench)."""
