"""The store: checkpointers, the thread table, leases and the tables' database.

It knows tables, not features; nothing here imports a layer above it.
"""
