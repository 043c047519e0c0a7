"""PHI detection and de-identification of clinical text (the only code that must see PHI)."""
