"""Drug-safety (cer) reports in the ingestor: the FAERS dataset fetched from openFDA."""
