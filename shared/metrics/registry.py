"""Every metric clinrelay exports, with its labels.

Conventions (prometheus.io/docs/practices/naming): ``clinrelay_`` prefix, base units in the name
(``_seconds``), ``_total`` on counters. Label values come from closed vocabularies the code owns
(stage, kind, status, route template, reason): never a report id, a tenant or anything a client
sent, so the series count stays bounded whatever the traffic.

Gauges declare how they combine in multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``), where one
pod runs several worker processes that each write their own file.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # type: ignore[no-untyped-call]  # no ``*_created`` series: they double the page and nobody graphs them

# Latency buckets: HTTP answers in milliseconds; stage work from milliseconds to minutes; a whole
# report from a second to an hour.
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
WORK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
REPORT_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
PUBLISH_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)

# -- HTTP (gateway) -------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "clinrelay_http_requests_total",
    "HTTP requests answered, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "clinrelay_http_request_duration_seconds",
    "Time from request to the end of the response, by route template.",
    ["service", "method", "route"],
    buckets=HTTP_BUCKETS,
)

# -- stages (the runner) --------------------------------------------------------------------------
STAGE_CONSUMED = Counter(
    "clinrelay_stage_messages_consumed_total",
    "Deliveries a stage took from its work queue (redeliveries and retries included).",
    ["stage"],
)
STAGE_COMPLETED = Counter(
    "clinrelay_stage_messages_completed_total",
    "Messages a stage finished and handed on (committed and acknowledged).",
    ["stage", "kind"],
)
STAGE_FAILED = Counter(
    "clinrelay_stage_messages_failed_total",
    "Attempts that failed (each is then retried or parked).",
    ["stage", "kind", "permanent"],
)
STAGE_RETRIED = Counter(
    "clinrelay_stage_messages_retried_total",
    "Failed attempts sent to a delay queue for another try.",
    ["stage"],
)
STAGE_PARKED = Counter(
    "clinrelay_stage_messages_parked_total",
    "Messages given up on and parked as dead letters, by reason.",
    ["stage", "reason"],
)
STAGE_DUPLICATES = Counter(
    "clinrelay_stage_messages_duplicate_total",
    "Deliveries skipped because the message was already processed (at-least-once delivery).",
    ["stage"],
)
STAGE_IN_FLIGHT = Gauge(
    "clinrelay_stage_messages_in_flight",
    "Messages a stage is working on right now.",
    ["stage"],
    multiprocess_mode="livesum",
)
STAGE_PROCESSING = Histogram(
    "clinrelay_stage_processing_seconds",
    "Time a stage's work took for one message (successful attempts), by report kind.",
    ["stage", "kind"],
    buckets=WORK_BUCKETS,
)
STAGE_PART = Histogram(
    "clinrelay_stage_part_seconds",
    "Time of a named part of a stage's work (deidentification, render), as the stage measured it.",
    ["stage", "part"],
    buckets=WORK_BUCKETS,
)
STAGE_RESULT_GROUP = Histogram(
    "clinrelay_stage_result_group_results",
    "Results recorded by one result statement of a stage: those of a tenant that finished while "
    "its previous statement ran (group commit).",
    ["stage"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)

# -- reports --------------------------------------------------------------------------------------
REPORTS_ACCEPTED = Counter(
    "clinrelay_reports_accepted_total",
    "Reports the gateway accepted (202), by kind.",
    ["kind"],
)
ACCEPT_GROUP_SIZE = Histogram(
    "clinrelay_gateway_accept_group_reports",
    "Reports stored by one accepting statement of the gateway: the POSTs of a tenant that arrived "
    "while its previous statement ran (group commit).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
REPORTS_FINISHED = Counter(
    "clinrelay_reports_finished_total",
    "Reports that reached a final status, by kind and status (COMPLETE or FAILED).",
    ["kind", "status"],
)
REPORT_DURATION = Histogram(
    "clinrelay_report_duration_seconds",
    "End to end: from the POST that created a report to its final status.",
    ["kind", "status"],
    buckets=REPORT_BUCKETS,
)

# -- outbox ---------------------------------------------------------------------------------------
OUTBOX_PUBLISHED = Counter(
    "clinrelay_outbox_published_total",
    "Outbox rows the relay published (with confirms) and deleted.",
)
OUTBOX_PUBLISH = Histogram(
    "clinrelay_outbox_publish_seconds",
    "Time the relay took to publish one batch and have it confirmed.",
    buckets=PUBLISH_BUCKETS,
)
OUTBOX_ERRORS = Counter(
    "clinrelay_outbox_relay_errors_total",
    "Relay rounds that failed (broker or database away); rows stay and are retried.",
)
OUTBOX_WAITING = Gauge(
    "clinrelay_outbox_rows_waiting",
    "Rows in the outbox not yet published (read from PostgreSQL).",
    multiprocess_mode="max",
)
OUTBOX_OLDEST = Gauge(
    "clinrelay_outbox_oldest_row_age_seconds",
    "Age of the oldest unpublished outbox row (0 when empty).",
    multiprocess_mode="max",
)
DEAD_LETTERS_OPEN = Gauge(
    "clinrelay_dead_letters_open",
    "Parked messages not yet replayed or discarded, by stage (read from PostgreSQL).",
    ["stage"],
    multiprocess_mode="max",
)

# -- broker (management API, cached) --------------------------------------------------------------
QUEUE_MESSAGES = Gauge(
    "clinrelay_queue_messages",
    "Messages in a stage's work queue: ready plus delivered but not yet acknowledged.",
    ["stage", "queue"],
    multiprocess_mode="max",
)
QUEUE_READY = Gauge(
    "clinrelay_queue_messages_ready",
    "Messages in a stage's work queue waiting for a consumer.",
    ["stage", "queue"],
    multiprocess_mode="max",
)
QUEUE_UNACKED = Gauge(
    "clinrelay_queue_messages_unacknowledged",
    "Messages delivered to a stage's consumers and not yet acknowledged.",
    ["stage", "queue"],
    multiprocess_mode="max",
)
QUEUE_CONSUMERS = Gauge(
    "clinrelay_queue_consumers",
    "Consumers attached to a stage's work queue.",
    ["stage", "queue"],
    multiprocess_mode="max",
)
BROKER_UP = Gauge(
    "clinrelay_broker_stats_up",
    "1 when the last read of the broker's management API succeeded.",
    multiprocess_mode="max",
)
BROKER_AGE = Gauge(
    "clinrelay_broker_stats_age_seconds",
    "Age of the queue figures above (they are read in the background, not per scrape).",
    multiprocess_mode="min",
)

# -- notifier -------------------------------------------------------------------------------------
WS_CONNECTIONS = Gauge(
    "clinrelay_websocket_connections",
    "Open WebSocket connections.",
    multiprocess_mode="livesum",
)
WS_SENT = Counter(
    "clinrelay_websocket_messages_sent_total",
    "Messages written to WebSocket clients.",
)
WS_DROPPED = Counter(
    "clinrelay_websocket_messages_dropped_total",
    "Messages not written because the client was too slow (its socket is then closed).",
    ["reason"],
)

# -- openFDA (the ingestor) -----------------------------------------------------------------------
OPENFDA_REQUESTS = Counter(
    "clinrelay_openfda_requests_total",
    "Requests sent to openFDA, by status class (2xx, 4xx, 5xx, error).",
    ["status"],
)
OPENFDA_THROTTLED = Counter(
    "clinrelay_openfda_throttled_total",
    "openFDA answers with 429 Too Many Requests.",
)
OPENFDA_CACHE_HITS = Counter(
    "clinrelay_openfda_cache_hits_total",
    "openFDA responses served from the local cache instead of the network.",
)
