"""Live status for subscribers: channels, their shared fan-out and catching up from PostgreSQL.

Used by the notifier (WebSockets) and the gateway (Server-Sent Events) alike: a channel is a
report, a batch or the tenant's whole feed; every event on it carries a sequence number of that
channel, and a subscriber that comes back with the last number it saw gets what it missed.
"""
