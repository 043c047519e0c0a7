"""End-to-end tests share the integration fixtures (own database and bus namespace per test)."""

from tests.integration.conftest import pipeline, template_database

__all__ = ["pipeline", "template_database"]
