"""Plain helpers every layer may use: settings read once, logging, one-line text.

They import nothing else of the package.
"""
