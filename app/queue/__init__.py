"""The one background job mechanism: PostgreSQL rows claimed with SKIP LOCKED and leases."""
