"""## What it does
Flags every place where the build turns off TLS certificate checks or downloads packages
over plain HTTP:

- `curl -k`/`--insecure` (also glued: `-fsSLk`), `wget --no-check-certificate`;
- `pip --trusted-host`, `pip --index-url http://…`/`--extra-index-url http://…`, and
  `PIP_TRUSTED_HOST`, `PIP_INDEX_URL=http://…`, `PIP_EXTRA_INDEX_URL=http://…`;
- `PYTHONHTTPSVERIFY=0`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY` (any
  value), `GOINSECURE`, `NPM_CONFIG_STRICT_SSL=false`;
- `npm`/`yarn config set strict-ssl false`, `npm install --strict-ssl=false`,
  `git config http.sslVerify false`, `git -c http.sslVerify=false`,
  `conda config --set ssl_verify false`, `sslverify=0` for yum/dnf
  (`yum-config-manager --setopt=sslverify=false`, a repo file written by `echo`), and
  `apt-get -o Acquire::https::Verify-Peer=false`.

Settings count wherever they are made: `ENV`, `ARG` (Checkov flags an `ARG` too: its
default is in the image history), an inline prefix (`PYTHONHTTPSVERIFY=0 python …`) or an
`export` in a `RUN`. One rule for every Checkov check of this family
(`CKV2_DOCKER_2` to `6`, `12` to `16`, `18`).

## Why it matters
Without certificate checks anyone on the network path (a proxy, a compromised mirror, a
hostile Wi-Fi at a build agent) can serve a different package, model or script, and the
image ships it. Over plain HTTP they do not even need a certificate. The usual cause is a
corporate proxy; the fix is its CA certificate, not turning checks off.

## Example
```dockerfile
RUN pip install --trusted-host pypi.internal --index-url http://pypi.internal/simple \
    -r requirements.txt
```

## Instead
```dockerfile
COPY corp-ca.crt /usr/local/share/ca-certificates/corp-ca.crt
RUN update-ca-certificates \
    && pip install --cert /etc/ssl/certs/ca-certificates.crt \
       --index-url https://pypi.internal/simple -r requirements.txt
```

## Fix safety
No automatic fix: removing the option fails the build until the certificate is trusted.
"""

import re
from collections.abc import Iterator

from dlint import regex
from dlint.commands import package_command
from dlint.finding import Problem, Severity, Span
from dlint.model import Build, Command, Word
from dlint.rule import Rule

from ._shell import settings, texts

INDEX_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url", "-f", "--find-links"})
OFF = regex.compile(r"^[\"']?(0|false|no|off)[\"']?$", re.I)
SSLVERIFY = regex.compile(r"(?<![.\w])sslverify\s*=\s*[\"']?(0|false|no|off)\b", re.I)
GIT_VERIFY = regex.compile(r"^http\.(?:[^=]*\.)?sslverify(=(.*))?$", re.I)
APT_VERIFY = regex.compile(r"^Acquire::https?::(.+::)?Verify-(Peer|Host)=[\"']?(false|0|no)", re.I)

# Variable -> when its value turns checks off, and the message's wording.
VARIABLES = {
    "PYTHONHTTPSVERIFY": (lambda v: v == "0", "Python's HTTPS certificate checks"),
    "NODE_TLS_REJECT_UNAUTHORIZED": (lambda v: v == "0", "Node's TLS certificate checks"),
    "GIT_SSL_NO_VERIFY": (lambda v: v != "", "git's certificate checks"),
    "GOINSECURE": (lambda v: v != "", "Go's certificate checks for those modules"),
    "NPM_CONFIG_STRICT_SSL": (lambda v: bool(OFF.match(v)), "npm's certificate checks"),
    "PIP_TRUSTED_HOST": (lambda v: v != "", "pip's certificate checks for that host"),
    "PIP_INDEX_URL": (lambda v: v.startswith("http://"), "HTTPS for pip's index"),
    "PIP_EXTRA_INDEX_URL": (lambda v: "http://" in v, "HTTPS for pip's index"),
}


def in_command(command: Command) -> Iterator[tuple[Word, str]]:
    """The words of ``command`` that turn checks off, with what they turn off."""
    program, args = command.program, command.arguments
    if program == "curl":
        for word in args:
            text = word.text
            if text == "--insecure" or (text[:1] == "-" and text[1:2] != "-" and "k" in text):
                yield word, "curl's certificate checks"
    elif program == "wget":
        yield from (
            (w, "wget's certificate checks") for w in args if w.text == "--no-check-certificate"
        )
    elif program in ("npm", "yarn", "pnpm"):
        texts_ = [w.text for w in args]
        if "strict-ssl" in texts_ and texts_[:1] in (["config"], ["set"]):
            value = texts_[texts_.index("strict-ssl") + 1 :][:1]
            if value and OFF.match(value[0]):
                yield args[texts_.index("strict-ssl")], f"{program}'s certificate checks"
        for word in args:
            if word.text.startswith("--strict-ssl=") and OFF.match(word.text.split("=", 1)[1]):
                yield word, f"{program}'s certificate checks"
    elif program == "git":
        texts_ = [w.text for w in args]
        for index, word in enumerate(args):
            match = GIT_VERIFY.match(word.text)
            if not match:
                continue
            value = match[2] if match[1] else (texts_[index + 1] if index + 1 < len(args) else "")
            if OFF.match(value or ""):
                yield word, "git's certificate checks"
    elif program in ("conda", "mamba", "micromamba"):
        texts_ = [w.text for w in args]
        if "ssl_verify" in texts_:
            index = texts_.index("ssl_verify")
            value = texts_[index + 1 : index + 2]
            if value and OFF.match(value[0]):
                yield args[index], f"{program}'s certificate checks"
    pkg = package_command(command)
    if pkg is not None and pkg.family == "pip":
        for name, value in pkg.option_values:
            if name == "--trusted-host" and value is not None:
                yield value, "pip's certificate checks for that host"
            elif name in INDEX_OPTIONS and value is not None and value.text.startswith("http://"):
                yield value, "HTTPS for pip's index"
    if pkg is not None and pkg.family == "apt":
        for value in pkg.values("-o", "--option"):
            if APT_VERIFY.match(value.text):
                yield value, "apt's certificate checks"


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every option, command or setting that disables TLS checks."""
    found: dict[tuple, str] = {}
    for run in build.dockerfile.of("RUN"):
        for command in run.commands:
            for word, what in in_command(command):
                found.setdefault(_key(word.span), what)
        for text, locate in texts(run):
            for match in SSLVERIFY.finditer(text) if "=" in text else ():
                found.setdefault(
                    _key(locate(match.start(), match.end())), "yum/dnf's certificate checks"
                )
    for setting in settings(build):
        rule = VARIABLES.get(
            setting.name.upper() if setting.name.lower().startswith("npm_config_") else setting.name
        )
        if rule is not None and rule[0](setting.value):
            found.setdefault(_key(setting.span), rule[1])
    for (start, end), what in sorted(found.items()):
        yield Problem(
            f"this turns off {what}; trust your proxy's CA certificate instead",
            Span(start, end),
        )


def _key(span: Span) -> tuple:
    return (span.start, span.end)


RULE = Rule(
    id="D807",
    name="tls-verification-disabled",
    severity=Severity.ERROR,
    summary="the build turns off TLS certificate checks or fetches packages over HTTP",
    check=check,
    aliases=(
        "CKV2_DOCKER_2",
        "CKV2_DOCKER_3",
        "CKV2_DOCKER_4",
        "CKV2_DOCKER_5",
        "CKV2_DOCKER_6",
        "CKV2_DOCKER_12",
        "CKV2_DOCKER_13",
        "CKV2_DOCKER_14",
        "CKV2_DOCKER_15",
        "CKV2_DOCKER_16",
        "CKV2_DOCKER_18",
    ),
    tags=("security", "shell"),
)
