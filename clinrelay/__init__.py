"""clinrelay: asynchronous clinical reports over RabbitMQ and PostgreSQL."""

from shared.version import __version__

__all__ = ["__version__"]
