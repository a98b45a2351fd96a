"""Core tests: the spec, units, sources, checks, output and CLI, offline and SDK-free."""
