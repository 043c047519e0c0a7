"""clinrelay notifier service."""
