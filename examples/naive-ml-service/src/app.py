# A first-draft ML service, as a tutorial chapter writes it: train at start-up, serve
# with Flask's development server, trust the input. `dlint test` shows what that costs.
import json
import os
import time

from flask import Flask, request
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

app = Flask(__name__)
iris = load_iris()
model = LogisticRegression(max_iter=500).fit(iris.data, iris.target)
# Test hook (as in reference/): keeps a request in flight while dlint test stops the
# container. Off by default.
DELAY = float(os.environ.get("PREDICT_DELAY_SECONDS", "0"))


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/predict", methods=["POST"])
def predict():
    data = json.loads(request.data)
    time.sleep(DELAY)
    index = int(model.predict([data["features"]])[0])
    return {"class_index": index, "class_name": str(iris.target_names[index])}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
