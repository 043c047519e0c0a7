"""Worker processes for a stage's CPU-bound work (rendering, coding): see :mod:`.pool`."""

from shared.workers.pool import JobFailed, JobTimeout, PoolClosed, ProcessPool

__all__ = ["JobFailed", "JobTimeout", "PoolClosed", "ProcessPool"]
