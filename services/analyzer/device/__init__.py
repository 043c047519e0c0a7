"""MAUDE device statistics: event types, device and patient problems, trends, listing (pure)."""
