"""Realistic sample analyses for the docs' sample PDFs, the render benchmark and the tests.

The patients and products' numbers are synthetic; codes, descriptions, MedDRA terms and NDCs are
real. Nothing here is used on a real report's path.
"""

from services.renderer.samples.cer import sample_case_listing, sample_cer_analysis
from services.renderer.samples.coding import long_coding_analysis, sample_coding_analysis

__all__ = [
    "long_coding_analysis",
    "sample_case_listing",
    "sample_cer_analysis",
    "sample_coding_analysis",
]
