"""Load the model bundle in the background so the server answers /health at once."""

import logging
import threading
from pathlib import Path
from typing import Any

import joblib

log = logging.getLogger(__name__)


class ModelHolder:
    """Holds the model bundle once loaded; ``ready`` tells whether it is usable."""

    def __init__(self, path: Path) -> None:
        """Remember where the bundle lives; nothing is read until ``start``."""
        self.path = path
        self.bundle: dict[str, Any] | None = None
        self.error: str | None = None
        self._loaded = threading.Event()

    def start(self) -> None:
        """Begin loading in a daemon thread."""
        threading.Thread(target=self._load, name="model-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            self.bundle = joblib.load(self.path)
        except (OSError, ValueError, KeyError) as error:
            self.error = f"cannot load model from {self.path}: {error}"
            log.error(self.error)
            return
        self._loaded.set()
        log.info("model %s loaded from %s", self.version, self.path)

    @property
    def ready(self) -> bool:
        """True once the bundle is loaded."""
        return self._loaded.is_set()

    @property
    def version(self) -> str | None:
        """Version string of the loaded bundle, or None."""
        return self.bundle["version"] if self.bundle else None

    def predict(self, rows: list[list[float]]) -> list[dict[str, Any]]:
        """Class index, class name and per-class probabilities for each row."""
        assert self.bundle is not None, "predict called before the model loaded"
        names = self.bundle["class_names"]
        probabilities = self.bundle["model"].predict_proba(rows)
        results = []
        for row in probabilities:
            best = int(row.argmax())
            results.append(
                {
                    "class_index": best,
                    "class_name": names[best],
                    "probabilities": {name: float(p) for name, p in zip(names, row, strict=True)},
                }
            )
        return results
