"""Privacy: erasing a candidate, retention of raw payloads, webhook secret rotation."""
