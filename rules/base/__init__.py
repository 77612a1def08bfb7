"""Rules about base."""
