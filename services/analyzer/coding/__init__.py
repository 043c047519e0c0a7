"""ICD-10-CM code inference, billed-versus-documented comparison and risk adjustment."""
