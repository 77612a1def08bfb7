"""Rules about the shell scripts that RUN runs."""

# The ids of this area's rules: this prefix and two digits (D800-D899).
ID_PREFIX = "D8"
