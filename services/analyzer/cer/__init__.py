"""FAERS statistics: aggregation, disproportionality, signal presets and narrative (pure)."""
