"""Audit trail of who did what."""
