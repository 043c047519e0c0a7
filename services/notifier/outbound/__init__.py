"""Webhooks and email: what leaves clinrelay when a report or batch ends."""
