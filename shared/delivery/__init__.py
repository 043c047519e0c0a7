"""Delivery: what joins the bus (:mod:`shared.bus`) to the database (:mod:`shared.db`).

- :mod:`shared.delivery.runner`: the one consumer runner every stage uses (dedup, record, publish
  the next event, ack only after);
- :mod:`shared.delivery.failures`: what a failed delivery becomes (retry tier, park, FAILED);
- :mod:`shared.delivery.parking`: parking a message that cannot be read or processed;
- :mod:`shared.delivery.relay`: the outbox relay, publishing what transactions wrote.

``shared.bus`` and ``shared.db`` never import each other (an import contract checks it).
"""
