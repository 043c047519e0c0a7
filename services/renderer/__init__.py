"""clinrelay renderer service."""
