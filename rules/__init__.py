"""The rule pack: one module per rule, grouped by area. Installed as dlint.rules."""
