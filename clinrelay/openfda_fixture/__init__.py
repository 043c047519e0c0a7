"""A stand-in openFDA API for development, tests and benchmarks (never used by a service).

:mod:`clinrelay.openfda_fixture.server` serves the openFDA content bundled in ``data/`` (see its
``SOURCE.md``) with openFDA's query syntax (:mod:`clinrelay.openfda_fixture.query`) and its faults
on demand; the ingestor is pointed at it by ``OPENFDA_URL``.
"""
