"""Rules about layer order and what each layer costs."""

# The ids of this area's rules: this prefix and two digits (D300-D399).
ID_PREFIX = "D3"
