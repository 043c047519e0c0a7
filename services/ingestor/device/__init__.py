"""Device-safety reports in the ingestor: the MAUDE dataset fetched from openFDA."""
