"""Surveillance over time: monthly report counts and the control chart that flags their spikes.

Shared by the drug (FAERS) and device (MAUDE) analyses; pure functions, no I/O.
"""
