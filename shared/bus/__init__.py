"""The message bus, transport only: a small protocol (:mod:`shared.bus.protocol`), the topology
every service agrees on and an aio-pika implementation.

It knows nothing of PostgreSQL; the delivery layer above it (:mod:`shared.delivery`: the stage
runner, the failure policy, the outbox relay) joins the bus to the database. Stage code sees
neither: it receives an :class:`~shared.events.Envelope` and returns a
:class:`~shared.stage.StageOutcome`.
"""
