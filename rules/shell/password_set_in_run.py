"""## What it does
Flags a `RUN` that sets or removes a login password: `chpasswd`, `chgpasswd`,
`passwd` with `--stdin` or `-d`, `usermod -p`/`--password`, `useradd -p`/`--password`.
`passwd -l` (lock the account), `usermod -L` and `useradd` without a password pass.

## Why it matters
The password, or the fact that an account has none, is baked into the image: the text of
the `RUN` is in `docker history` for anyone who pulls the image, and the hash lands in
`/etc/shadow` of every container. A service needs no login password at all; an account
for the service should be created without one (`useradd --no-create-home --shell
/usr/sbin/nologin app`).

## Example
```dockerfile
RUN useradd -m app && echo 'app:changeme' | chpasswd
```

## Instead
```dockerfile
RUN useradd --system --no-create-home --shell /usr/sbin/nologin app
```

## Fix safety
No automatic fix.
"""

from collections.abc import Iterator

from dlint.commands import commands_running
from dlint.finding import Problem, Severity
from dlint.model import Build, Command, Word
from dlint.rule import Rule

PASSWORD_OPTIONS = {
    "passwd": ("--stdin", "-d", "--delete"),
    "usermod": ("-p", "--password"),
    "useradd": ("-p", "--password"),
    "adduser": ("--password",),
}
# Programs that always set a password (a list of user:password lines on stdin).
PASSWORD_PROGRAMS = ("chpasswd", "chgpasswd")
PROGRAMS = (*PASSWORD_PROGRAMS, *PASSWORD_OPTIONS)


def password_word(command: Command) -> Word | None:
    """The word that sets or removes a password in ``command``, or None."""
    if command.program in PASSWORD_PROGRAMS:
        return command.words[0]
    options = PASSWORD_OPTIONS.get(command.program)
    if options is None:
        return None
    for word in command.arguments:
        if word.text in options or word.text.startswith(tuple(f"{o}=" for o in options)):
            return word
    return None


def check(build: Build) -> Iterator[Problem]:
    """Yield a problem at every command that sets or removes a password."""
    for _, command in commands_running(build.dockerfile, *PROGRAMS):
        word = password_word(command)
        if word is not None:
            yield Problem(
                f"'{command.program}' puts a password into the image and its history; "
                "create service accounts without one",
                word.span,
            )


RULE = Rule(
    id="D809",
    name="password-set-in-run",
    severity=Severity.WARNING,
    summary="a RUN sets or removes a login password (chpasswd, passwd, usermod -p)",
    check=check,
    aliases=("CKV2_DOCKER_17",),
    tags=("security", "shell"),
)
