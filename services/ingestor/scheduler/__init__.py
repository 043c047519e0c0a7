"""Scheduled CER refreshes: cadences, the schedules table and the lease-based scheduler loop."""
