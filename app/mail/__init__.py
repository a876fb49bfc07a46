"""Email as a mechanism: templates rendered to subject, text and HTML (rendering) and the SMTP
transport (smtp). It names no feature, so accounts (password resets) and the emails outbox
both build on it."""
