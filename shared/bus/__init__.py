"""The message bus: a small protocol (:mod:`shared.bus.protocol`), the topology every service
agrees on, an aio-pika implementation, the outbox relay and the stage runner.

Stage code sees none of this: it receives an :class:`~shared.events.Envelope` and returns a
:class:`~shared.stage.StageOutcome`.
"""
