"""## What it does
Flags `useradd` with a UID of 100000 or more and without `-l` (`--no-log-init`).
hadolint DL3046.

## Why it matters
`useradd` writes the new user's record into `/var/log/lastlog` and `faillog` at an
offset of UID times the record size. The file is sparse on disk, but image layers store
it in full: a UID of 1000000 adds about 300 MB of zeros to the image, and pulls and
cold starts slow down with it.

## Example
```dockerfile
RUN useradd --uid 1000001 --create-home app
```

## Instead
```dockerfile
RUN useradd --no-log-init --uid 1000001 --create-home app
```

## Fix safety
Safe: `--no-log-init` is added right after `useradd`. It only skips the log records.

## Differs from hadolint
- DL3046 (only dlint): `useradd --uid 1000001` (the long option) is read like `-u`; hadolint
  sees only `-u`.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Problem, Severity, insert_option_after
from dlint.model import Build, Command, Word
from dlint.rule import Rule

HIGH_UID = 100000


# Without the user's records in the login logs, these files are smaller (or absent).
LOGS = ("files:/var/log/lastlog", "files:/var/log/faillog")


def uid_word(command: Command) -> Word | None:
    """The word holding the ``-u``/``--uid`` value of a useradd, if any."""
    words = command.arguments
    for index, word in enumerate(words):
        text = word.text
        if text in ("-u", "--uid") and index + 1 < len(words):
            return words[index + 1]
        if text.startswith("--uid=") or (text.startswith("-u") and text[2:].isdigit()):
            return Word(text.split("=", 1)[-1].removeprefix("-u"), word.raw, word.span)
    return None


def skips_log(command: Command) -> bool:
    """True when the useradd has ``-l``/``--no-log-init`` (also in ``-lm``)."""
    return any(
        w.text == "--no-log-init" or (w.text[:1] == "-" and w.text[1:2] != "-" and "l" in w.text)
        for w in command.arguments
    )


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem for each useradd of a high UID that writes the login logs."""
    for _, command in commands_running(build.dockerfile, "useradd"):
        if skips_log(command):
            continue
        uid = uid_word(command)
        if uid is not None and uid.known and uid.text.isdigit() and int(uid.text) >= HIGH_UID:
            yield Problem(
                f"useradd of UID {uid.text} without -l writes a lastlog file of hundreds "
                "of MB into the layer; add --no-log-init",
                uid.span,
                insert_option_after(
                    command.words[0].raw, command.words[0].span, "--no-log-init", changes=LOGS
                ),
            )


RULE = Rule(
    id="D732",
    name="useradd-high-uid",
    severity=Severity.INFO,
    summary="useradd with a high UID and without -l bloats the image with log files",
    check=check,
    aliases=("DL3046",),
    tags=("size",),
    fixable=True,
)
