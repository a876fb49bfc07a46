"""Ribbon (app.ribbon.ai): API client, translation, webhooks and the sandbox."""
