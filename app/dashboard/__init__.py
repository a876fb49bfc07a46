"""The live recruiter dashboard: live updates, cards, results, compare and home."""
