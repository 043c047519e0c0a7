"""clinrelay gateway service."""
