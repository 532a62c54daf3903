"""The offline model (`model`), which needs no key and no weights: `understanding/` reads a
customer's words, `policy` and `dialogue` decide, `rule_files` reads a workflow's rules from
its YAML. Nothing here knows a particular workflow.
"""
