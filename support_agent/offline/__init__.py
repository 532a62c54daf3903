"""The offline model: a chat model that needs no key and no weights.

`understanding/` reads a customer's words and `questions` cuts a message into
the questions it asks; `policy` and `dialogue` decide what to do; a workflow's
rules arrive with its declaration (`rule_files` reads them from YAML). Nothing
here knows a particular workflow.
"""
