"""HTTP API of the iris classifier: GET /health and POST /predict, JSON in and out."""

import logging
import os
import time
from pathlib import Path

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, UnsupportedMediaType

from service.model import ModelHolder
from service.validation import InvalidInput, decode_body, parse_instances

MAX_BODY_BYTES = 64 * 1024
DEFAULT_MODEL_PATH = "/opt/model/iris.json"

log = logging.getLogger(__name__)


def _error(status: int, error: str, detail: str) -> tuple[Response, int]:
    return jsonify({"error": error, "detail": detail}), status


def _read_body() -> bytes:
    """The request body, refused with 413 beyond MAX_BODY_BYTES however it was sent.

    Werkzeug refuses a ``Content-Length`` over the limit itself, but a chunked body has
    none and its stream just stops at the limit, which would turn a body too large into
    "malformed JSON". A server that ends the chunked stream itself (gunicorn says so with
    ``wsgi.input_terminated``) lets us read one byte past the limit to tell the two apart.
    """
    if request.content_length is not None or not request.environ.get("wsgi.input_terminated"):
        return request.get_data(cache=False)
    body = request.input_stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes")
    return body


def _predict_delay() -> float:
    # Test hook, off by default: lets a harness keep a request in flight while it stops
    # the container, to prove graceful shutdown. Never set it in production.
    return max(0.0, float(os.environ.get("PREDICT_DELAY_SECONDS", "0")))


def create_app() -> Flask:
    """Build the Flask app and start loading the model named by MODEL_PATH."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    model = ModelHolder(Path(os.environ.get("MODEL_PATH", DEFAULT_MODEL_PATH)))
    model.start()
    delay = _predict_delay()

    @app.get("/health")
    def health() -> tuple[Response, int]:
        status = "ok" if model.ready else ("failed" if model.error else "loading")
        body = {"status": status, "model_loaded": model.ready, "model_version": model.version}
        return jsonify(body), 200 if model.ready else 503

    @app.post("/predict")
    def predict() -> tuple[Response, int]:
        if request.mimetype != "application/json":
            raise UnsupportedMediaType("Content-Type must be application/json")
        try:
            rows, batch = parse_instances(decode_body(_read_body()))
        except InvalidInput as problem:
            return _error(400, "invalid_input", str(problem))
        if not model.ready:
            return _error(503, "model_not_ready", model.error or "model is still loading")
        if delay:
            # Only when set: even time.sleep(0) gives up the CPU, which on a busy machine
            # cost each request tens of milliseconds.
            time.sleep(delay)
        results = model.predict(rows)
        body = {"predictions": results} if batch else results[0]
        return jsonify({**body, "model_version": model.version}), 200

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        name = (error.name or "error").lower().replace(" ", "_")
        return _error(error.code or 500, name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return _error(500, "internal_error", "unexpected server error")

    return app
