"""Rules about dlint's own comments: ignores and directives."""

# The ids of this area's rules: this prefix and two digits (D900-D999).
ID_PREFIX = "D9"
