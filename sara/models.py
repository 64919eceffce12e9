"""Problem-oriented work: SARA cases, the method catalogue and actions."""
