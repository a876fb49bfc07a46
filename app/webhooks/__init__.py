"""Webhook inbox: verify, store, acknowledge; then process in the background."""
