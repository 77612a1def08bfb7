"""Train the iris classifier at image build time and export it for serving.

The data set ships with scikit-learn, so training needs no download. A fixed seed makes
the artifact reproducible from the same locked dependencies. The export is the fitted
pipeline's parameters as JSON, read by ``service.model.LinearModel``; before writing it,
this script checks that the served model gives scikit-learn's own probabilities for
every row of the data set, so a build can never ship a model that serves differently.
"""

import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from service.model import LinearModel
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 20240601
TOLERANCE = 1e-9


def export(pipeline: Pipeline, class_names: list[str], version: str) -> dict[str, object]:
    """The parameters ``LinearModel`` needs, as plain JSON values."""
    scaler, classifier = pipeline.named_steps["standardscaler"], pipeline[-1]
    return {
        "version": version,
        "class_names": class_names,
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": classifier.coef_.tolist(),
        "intercept": classifier.intercept_.tolist(),
    }


def train(output: Path) -> float:
    """Fit the classifier, write the exported model to ``output``, return test accuracy."""
    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.25, random_state=SEED, stratify=iris.target
    )
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=SEED))
    pipeline.fit(x_train, y_train)
    accuracy = float(pipeline.score(x_test, y_test))
    document = export(
        pipeline,
        [str(name) for name in iris.target_names],
        f"iris-logreg-seed{SEED}-sklearn{sklearn.__version__}",
    )
    document["feature_names"] = [str(name) for name in iris.feature_names]
    document["test_accuracy"] = accuracy
    served = LinearModel.from_document(json.loads(json.dumps(document)))
    expected = pipeline.predict_proba(iris.data)
    difference = np.abs(served.probabilities(iris.data.tolist()) - expected)
    if difference.max() > TOLERANCE:
        raise SystemExit(f"exported model differs from scikit-learn by {difference.max():.2e}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return accuracy


if __name__ == "__main__":
    target = Path(sys.argv[1])
    print(f"trained {target}: test accuracy {train(target):.3f}")
