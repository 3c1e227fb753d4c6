"""Koopsuz above the library: the command line, which may use both ``geo`` and ``layers``."""
