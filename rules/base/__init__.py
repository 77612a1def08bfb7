"""Rules about the base image a stage starts from."""

# The ids of this area's rules: this prefix and two digits (D100-D199).
ID_PREFIX = "D1"
