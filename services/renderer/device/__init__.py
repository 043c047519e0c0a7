"""The device-safety report: what its PDF shows (view); its tables are the cer ones."""
