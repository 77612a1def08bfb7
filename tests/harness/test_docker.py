"""``dlint test`` against a real engine: the reference passes, broken variants fail.

Variants are small edits of a copy of the reference, so the builder stage (the pip
install and the training) comes from the layer cache and each build takes seconds.
Every run must leave nothing labelled with its run id behind.
"""

import xml.etree.ElementTree as ET


def test_reference_passes_every_check(dlint_test, reference, leftovers, tmp_path):
    report = tmp_path / "junit.xml"
    result = dlint_test(str(reference), "--junit-xml", str(report))
    assert result.code == 0, result.stdout + result.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    assert int(suite.get("tests")) >= 60
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    assert suite.get("skipped") == "0"
    for needle in ("cold build:", "warm rebuild after code edit:", "checks: "):
        assert needle in result.stdout
    assert leftovers(result.run_id) == []


def test_variant_answering_500_on_bad_input_fails_http_checks(dlint_test, variant, leftovers):
    context = variant(
        ("service/app.py", "except InvalidInput as problem:", "except LookupError as problem:")
    )
    result = dlint_test(str(context), "-k", "http")
    assert result.code == 1, result.stdout + result.stderr
    failed = result.failed
    assert {"http[malformed-json]", "http[nan-feature]", "http[boolean-feature]"} <= failed
    assert "http[predict-setosa]" not in failed
    assert "status 500, expected 400" in result.stdout
    assert leftovers(result.run_id) == []


def test_variant_running_as_root_fails_the_user_check(dlint_test, variant, leftovers):
    context = variant(("Dockerfile", "USER 10001:10001\n", ""))
    result = dlint_test(str(context), "-k", "inside-user or inside-pid1")
    assert result.code == 1, result.stdout + result.stderr
    assert result.failed == {"inside-user"}
    assert "PID 1 runs as root" in result.stdout
    assert leftovers(result.run_id) == []


def test_variant_never_healthy_fails_readiness(dlint_test, variant, leftovers):
    context = variant(("Dockerfile", "EXPOSE 8080\n", "EXPOSE 8080\nENV MODEL_PATH=/absent\n"))
    result = dlint_test(str(context), "--timeout", "15", "-k", "readiness or http")
    assert result.code == 1, result.stdout + result.stderr
    assert result.failed == {"readiness"}
    assert "never became ready" in result.stdout
    assert "cannot load model from /absent" in result.stdout
    assert "skipped" in result.stdout
    assert leftovers(result.run_id) == []


def test_missing_base_image_exits_2_with_a_hint(dlint_test, variant, leftovers):
    context = variant(("Dockerfile", "FROM python:3.11-slim", "FROM dlint-absent-base:0"))
    result = dlint_test(str(context), "-k", "readiness")
    assert result.code == 2, result.stdout + result.stderr
    assert "dlint: error: base image dlint-absent-base:0 is not available" in result.stderr
    assert "docker pull" in result.stderr and "docker load" in result.stderr
    # A pip install ships no scripts/ folder: the hint must not point there.
    assert "ensure-docker" not in result.stderr
    assert leftovers(result.run_id) == []


GIVEN_IMAGE = "dlint-test-given:1"
GIVEN_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /tmp
USER 10001
CMD ["python3", "-m", "http.server", "8000"]
"""


def test_a_spec_naming_an_image_tests_it_and_leaves_it(docker_client, dlint_test, tmp_path):
    """CI builds once and tests later: the image is used as it is and never removed."""
    (tmp_path / "Dockerfile").write_text(GIVEN_DOCKERFILE)
    docker_client.images.build(path=str(tmp_path), tag=GIVEN_IMAGE, rm=True, forcerm=True)
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "dlint-test.yaml").write_text(
        f"version: 1\nimage: {GIVEN_IMAGE}\n"
        "service: {port: 8000, readiness: {http: /}}\n"
        "inside: {user: {uid: 10001}}\n"
        "http: [{name: listing, request: {path: /}, expect: {status: 200}}]\n"
    )
    try:
        result = dlint_test(str(spec))
        assert result.code == 0, result.stdout + result.stderr
        assert f"image {GIVEN_IMAGE} " in result.stdout
        assert "(named by the spec, not built)" in result.stdout
        assert "4 checks: 4 passed" in result.stdout  # and the image report
        assert docker_client.images.get(GIVEN_IMAGE).tags == [GIVEN_IMAGE]
        selector = {"label": f"dlint.run={result.run_id}"}
        assert docker_client.containers.list(all=True, filters=selector) == []
        (spec / "dlint-test.yaml").write_text(
            (spec / "dlint-test.yaml").read_text() + "build: {dockerfile: Dockerfile}\n"
        )
        both = dlint_test(str(spec))
        assert both.code == 2
        assert f"build: the spec names an image ({GIVEN_IMAGE}), so nothing is built" in (
            both.stderr
        )
    finally:
        docker_client.images.remove(GIVEN_IMAGE, force=True)
