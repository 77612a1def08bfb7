"""Rules about installing packages: pins, caches, recommends, lists left behind."""

# The ids of this area's rules: this prefix and two digits (D200-D299).
ID_PREFIX = "D2"
