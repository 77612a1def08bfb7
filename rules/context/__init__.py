"""Rules about context."""
