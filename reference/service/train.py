"""Train the iris classifier at image build time and save it with joblib.

The data set ships with scikit-learn, so training needs no download. A fixed seed makes
the artifact reproducible from the same locked dependencies.
"""

import sys
from pathlib import Path

import joblib
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 20240601


def train(output: Path) -> float:
    """Fit the classifier, write the model bundle to ``output`` and return test accuracy."""
    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.25, random_state=SEED, stratify=iris.target
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=SEED))
    model.fit(x_train, y_train)
    accuracy = float(model.score(x_test, y_test))
    bundle = {
        "model": model,
        "class_names": [str(name) for name in iris.target_names],
        "feature_names": [str(name) for name in iris.feature_names],
        "version": f"iris-logreg-seed{SEED}-sklearn{sklearn.__version__}",
        "test_accuracy": accuracy,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, output)
    return accuracy


if __name__ == "__main__":
    target = Path(sys.argv[1])
    print(f"trained {target}: test accuracy {train(target):.3f}")
