"""The coding report: what its PDF shows (view), its tables and the risk-score section."""
