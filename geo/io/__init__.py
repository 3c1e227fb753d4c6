"""Readers, column mapping, parsing, the importer and the workspace store."""
