"""FHIR R4 Bundle parsing for the ingestor."""
