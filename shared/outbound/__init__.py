"""Notifications that leave clinrelay: signed webhooks and email (what both the gateway, which
registers them, and the notifier, which delivers them, need to agree on)."""
