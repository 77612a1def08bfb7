"""dlint: lint and prove Dockerfiles for machine-learning services."""

__version__ = "0.1.0"
