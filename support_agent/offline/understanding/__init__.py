"""How the offline model understands customers' words, in layers.

1. `languages`: yes / no in the languages the demo understands, and a note
   for the ones it does not.
2. `dates`: purchase dates and ages read against a reference date (a setting),
   so "bought it in March" is judged the same way on every run.
3. `bayes`: a naive Bayes classifier learned from our own training data
   (`data/`), with word, negation-scope, character n-gram and lexicon features,
   for the long tail of phrasings nobody wrote a rule for.
4. Abstention: when the learned model is not sure (its margin is under the
   decision's threshold), or the customer's opening yes / no contradicts what
   the rest of the message reads as, the answer is `unclear` and the dialogue
   policy asks, never guesses.

`decisions.py` puts the layers together, one `Decision` per question the
workflows ask.
"""

from support_agent.offline.understanding.decisions import (
    DECISIONS,
    Decision,
    Reading,
    decide,
    warm_up,
)

__all__ = ["DECISIONS", "Decision", "Reading", "decide", "warm_up"]
