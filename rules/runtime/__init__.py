"""Rules about how the image runs: its user, PID 1, signals, health."""

# The ids of this area's rules: this prefix and two digits (D400-D499).
ID_PREFIX = "D4"
