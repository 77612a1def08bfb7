"""Load the exported model in the background so the server answers /health at once.

The model file is the fitted pipeline's parameters as JSON, written by
``training/train.py``, which also proves at build time that ``LinearModel`` gives the
probabilities scikit-learn gives. Serving therefore needs numpy only: no scikit-learn or
scipy in the image, no pickle to unpickle, and a prediction costs microseconds where
scikit-learn's per-call input validation costs most of a millisecond.
"""

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinearModel:
    """A standardising multinomial logistic regression: scale, project, softmax."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    class_names: list[str]
    version: str

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "LinearModel":
        """Read the exported parameters, refusing shapes that do not fit together."""
        model = cls(
            mean=np.asarray(document["mean"], dtype=np.float64),
            scale=np.asarray(document["scale"], dtype=np.float64),
            coef=np.asarray(document["coef"], dtype=np.float64),
            intercept=np.asarray(document["intercept"], dtype=np.float64),
            class_names=[str(name) for name in document["class_names"]],
            version=str(document["version"]),
        )
        classes, features = model.coef.shape
        if model.mean.shape != (features,) or model.scale.shape != (features,):
            raise ValueError("mean and scale must have one value per feature")
        if model.intercept.shape != (classes,) or len(model.class_names) != classes:
            raise ValueError("intercept and class_names must have one entry per class")
        return model

    def probabilities(self, rows: list[list[float]]) -> np.ndarray:
        """Class probabilities, one row per input row."""
        scores = ((np.asarray(rows, dtype=np.float64) - self.mean) / self.scale) @ self.coef.T
        scores += self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exponentials = np.exp(scores)
        return exponentials / exponentials.sum(axis=1, keepdims=True)


class ModelHolder:
    """Holds the model once loaded; ``ready`` tells whether it is usable."""

    def __init__(self, path: Path) -> None:
        """Remember where the model lives; nothing is read until ``start``."""
        self.path = path
        self.model: LinearModel | None = None
        self.error: str | None = None
        self._loaded = threading.Event()

    def start(self) -> None:
        """Begin loading in a daemon thread."""
        threading.Thread(target=self._load, name="model-loader", daemon=True).start()

    def _load(self) -> None:
        try:
            document = json.loads(self.path.read_bytes())
            self.model = LinearModel.from_document(document)
        except (OSError, ValueError, KeyError, TypeError) as error:
            self.error = f"cannot load model from {self.path}: {error}"
            log.error(self.error)
            return
        self._loaded.set()
        log.info("model %s loaded from %s", self.version, self.path)

    @property
    def ready(self) -> bool:
        """True once the model is loaded."""
        return self._loaded.is_set()

    @property
    def version(self) -> str | None:
        """Version string of the loaded model, or None."""
        return self.model.version if self.model else None

    def predict(self, rows: list[list[float]]) -> list[dict[str, Any]]:
        """Class index, class name and per-class probabilities for each row."""
        assert self.model is not None, "predict called before the model loaded"
        names = self.model.class_names
        results = []
        for row in self.model.probabilities(rows).tolist():
            best = max(range(len(row)), key=row.__getitem__)
            results.append(
                {
                    "class_index": best,
                    "class_name": names[best],
                    "probabilities": dict(zip(names, row, strict=True)),
                }
            )
        return results
