"""clinrelay analyzer service."""
