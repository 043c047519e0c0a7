"""The drug-safety (cer) report: what its PDF shows (view) and its tables."""
