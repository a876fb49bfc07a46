"""Organisations, users, sessions and API tokens."""
