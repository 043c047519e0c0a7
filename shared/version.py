"""The version of clinrelay every service reports (the OpenAPI document, the PDF's provenance)."""

__version__ = "0.1.0"
