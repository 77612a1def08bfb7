"""Rules about layers."""
