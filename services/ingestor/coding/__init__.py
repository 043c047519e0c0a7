"""Coding reports in the ingestor: the de-identified case built from a parsed FHIR Bundle."""
