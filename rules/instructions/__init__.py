"""Rules about single instructions: their syntax, arguments and order, as BuildKit, hadolint,
Trivy and Checkov check them."""

# The ids of this area's rules: this prefix and two digits (D700-D799).
ID_PREFIX = "D7"
