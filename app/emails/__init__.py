"""Transactional email outbox."""
