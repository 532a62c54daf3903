"""How the offline model understands customers' words, in layers: `markup` (dropped, so
only words count), `languages`, `dates`,
`answers` (short answers, hedges), a naive Bayes model (`bayes`, `featurize`) learned from
`data/`, and abstention (`unclear`) when unsure; `decisions` puts them together.
"""

from support_agent.offline.understanding.decisions import as_read, decide, warm_up

__all__ = ["as_read", "decide", "warm_up"]
