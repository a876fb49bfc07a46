"""Candidates and their applications to jobs."""
