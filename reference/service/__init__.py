"""Reference ML service: an iris classifier behind a small JSON API."""
