"""clinrelay: asynchronous clinical reports over RabbitMQ and PostgreSQL."""

__version__ = "0.1.0"
