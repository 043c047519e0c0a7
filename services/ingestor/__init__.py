"""clinrelay ingestor service."""
