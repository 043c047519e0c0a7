"""Prometheus metrics: what every clinrelay service exports on ``/metrics``.

:mod:`.registry` names every metric (one place to read the whole vocabulary), :mod:`.exposition`
renders them (multiprocess-aware), :mod:`.http` counts HTTP requests, :mod:`.broker` reads queue
depth and consumers from RabbitMQ's management API in the background. Stage code never imports
this package: the runner, the relay and the services' wiring record on its behalf.
"""
