"""Rules about single instructions: their syntax, arguments and order, as BuildKit, hadolint,
Trivy and Checkov check them."""
