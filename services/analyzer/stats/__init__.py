"""Numerical building blocks of the safety statistics: special functions and a small optimizer.

Written here rather than taken from SciPy: the services need only a handful of functions
(digamma, the regularised incomplete gamma function, negative binomial tails, Nelder–Mead), and
SciPy is allowed only in the benchmark extras (see tests/unit/test_licences.py).
"""
