"""Rules about meta."""
