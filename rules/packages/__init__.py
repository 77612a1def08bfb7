"""Rules about packages."""
