"""clinrelay's common library: bus, database, event schemas, settings, logging, telemetry, auth.

Nothing in here knows about FHIR, PHI, codes or drugs; that is the stages' business.
"""
