"""Rules about the build context: .dockerignore and what COPY takes."""

# The ids of this area's rules: this prefix and two digits (D500-D599).
ID_PREFIX = "D5"
