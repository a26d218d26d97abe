"""The operator CLI: tail topics, dead letters, consumer lag, read-model rebuild."""
