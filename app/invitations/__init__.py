"""Invitations of candidates to assessments, their results and timeline."""
