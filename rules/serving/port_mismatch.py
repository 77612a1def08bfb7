"""## What it does
Compares three ports of the final image and flags the one that disagrees: the ports
`EXPOSE` declares, the port the server listens on (from its command line, its code,
gunicorn's config file, `$PORT`, or the server's default: gunicorn and uvicorn 8000,
Flask 5000, streamlit 8501, gradio 7860), and the port of the URL the `HEALTHCHECK`
probes (`curl -f http://localhost:5000/health`; no port means 80). When the server's
port is known, `EXPOSE` and the health check are judged against it; otherwise the health
check is judged against `EXPOSE`.

## Why it matters
`EXPOSE` is what `docker run -P`, Compose and most platforms publish, and the health
check is what decides whether the container gets traffic. A server on 8000 behind
`EXPOSE 5000` is unreachable through the published port; a health check on the wrong
port marks a working model server unhealthy, and orchestrators restart it forever.

## Example
```dockerfile
EXPOSE 5000
HEALTHCHECK CMD curl -f http://localhost:5000/health || exit 1
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
```

## Instead
```dockerfile
EXPOSE 8000
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
```

## Fix safety
No automatic fix: which of the ports is the intended one is a choice. The message names
the server's port and where it comes from, and the finding points at the port to change.
A port that comes from a variable the image does not set is unknown and never judged.
"""

from collections.abc import Iterator

from dlint import regex
from dlint.app import Server, last
from dlint.finding import Position, Problem, Severity, Span
from dlint.model import Build, Dockerfile, Instruction
from dlint.rule import Rule

from ._serving import app_of

URL = regex.compile(r"\bhttps?://(?:\[[^\]]*\]|[^/:\s'\"]+)(?::(\d+))?")


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at each EXPOSE or HEALTHCHECK port that disagrees."""
    dockerfile = build.dockerfile
    server = next((s for s in app_of(build).servers if _port(s) is not None), None)
    exposed = exposed_ports(dockerfile)
    health = health_port(dockerfile)
    if server is not None:
        port = _port(server)
        origin = "by default" if server.is_default(server.port) else "as written"
        where = f"{server.what} listens on {port} ({origin}"
        where += f", {server.port.file}:{server.port.span.start.line})" if server.port.file else ")"
        if exposed and port not in {p for p, _ in exposed}:
            for value, span in exposed:
                yield Problem(f"EXPOSE {value}, but {where}; expose {port}", span)
        if health is not None and health[0] != port:
            yield Problem(
                f"the HEALTHCHECK probes port {health[0]}, but {where}; probe {port}",
                health[1],
            )
    elif health is not None and exposed and health[0] not in {p for p, _ in exposed}:
        ports = ", ".join(sorted({p for p, _ in exposed}))
        yield Problem(
            f"the HEALTHCHECK probes port {health[0]}, but the image exposes {ports}",
            health[1],
        )


def _port(server: Server) -> str | None:
    port = server.port
    return port.text if port is not None and port.text and port.text.isdigit() else None


def exposed_ports(dockerfile: Dockerfile) -> list[tuple[str, Span]]:
    """Each single port of the final image's ``EXPOSE`` instructions, with its word."""
    found = []
    for instruction in dockerfile.in_final_image("EXPOSE"):
        for word in instruction.arguments:
            resolved = instruction.resolve(word.text)
            port = resolved.text.split("/", 1)[0]
            if resolved.complete and port.isdigit():
                found.append((port, word.span))
    return found


def health_port(dockerfile: Dockerfile) -> tuple[str, Span] | None:
    """The port of the URL the final ``HEALTHCHECK`` probes (80/443 when the URL has none)."""
    instruction: Instruction | None = last(dockerfile, "HEALTHCHECK")
    if instruction is None:
        return None
    match = URL.search(instruction.value)
    if match is None:
        return None
    if match[1]:
        return match[1], instruction.locate(match.start(1), match.end(1))
    default = "443" if match[0].startswith("https") else "80"
    span = instruction.locate(match.start(), match.end())
    return default, Span(span.start, Position(span.end.line, span.end.column))


RULE = Rule(
    id="D606",
    name="port-mismatch",
    severity=Severity.WARNING,
    summary="EXPOSE, the server's bind port and the HEALTHCHECK URL's port disagree",
    check=check,
    tags=("serving", "runtime", "network"),
)
