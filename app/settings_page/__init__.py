"""The organisation's settings page: the provider connection (admins only)."""
