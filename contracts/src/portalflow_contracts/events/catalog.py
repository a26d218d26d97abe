"""An org's portal settings and catalogs: dynamic fields and conditions, keyed by org."""
