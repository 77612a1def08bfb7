"""Rules about serving ML models: servers, workers, model files, GPUs."""

# The ids of this area's rules: this prefix and two digits (D600-D699).
ID_PREFIX = "D6"
