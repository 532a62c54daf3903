"""Plain helpers every layer may use: settings read once, logging, one-line text,
YAML read with the line of what is wrong in it.

They import nothing else of the package.
"""
