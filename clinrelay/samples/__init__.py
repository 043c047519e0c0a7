"""Sample inputs shipped with clinrelay (see README.md for their origin and licence)."""
