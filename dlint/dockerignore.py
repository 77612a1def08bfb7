""".dockerignore patterns, matched in time linear in the path.

Docker (moby/patternmatcher) turns each pattern into a regular expression: ``*`` is
``[^/]*``, ``?`` is ``[^/]``, a ``**`` inside a pattern is ``(.*/)?`` and a trailing one
``.*``. Backtracking engines take exponential time on a line of several ``**`` (ten of
them took 94 s), so this module keeps Docker's meaning but never backtracks: a pattern is
a list of tokens simulated as a set of states (a Thompson NFA, determinised lazily), with
string tests for the common shapes (exact names, ``*.ext``, ``**/name``, ``dir/**``).

:class:`PatternIndex` files many patterns by their literal head folder and literal tail,
so a path is only tested against the patterns that could match it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from dlint import regex

# Token kinds. "dstar" is a "**" inside a pattern: any run of whole folders, none
# included; "any" is a trailing "**" (or a leading one before plain text): anything.
LIT, ONE, STAR, CLASS, DSTAR, ANY = "lit", "one", "star", "class", "dstar", "any"
WILDCARDS = regex.compile(r"[*?\[\\]")
TAIL_KEY = 3  # characters of a pattern's literal tail used to file it in the index


class Token(NamedTuple):
    """One piece of a pattern: a literal character, a wildcard or a character class."""

    kind: str
    char: str = ""
    charset: re.Pattern[str] | None = None

    def accepts(self, char: str) -> bool:
        """True when this token consumes ``char`` (for the consuming kinds)."""
        if self.kind == LIT:
            return char == self.char
        if self.kind in (ONE, STAR):
            return char != "/"
        if self.kind == CLASS:
            assert self.charset is not None
            return self.charset.fullmatch(char) is not None
        return True


def tokenize(pattern: str) -> list[Token]:
    """Split a cleaned pattern into tokens with Docker's meaning; ``re.error`` if malformed."""
    tokens: list[Token] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            start, i = i, i + 2
            slash = pattern.startswith("/", i)
            i += slash
            # As moby's patternmatcher: a trailing "**" (or a leading one before plain
            # text, a suffix test) matches anything; elsewhere it matches whole folders.
            plain_rest = not WILDCARDS.search(pattern[i:]) and "]" not in pattern[i:]
            if i == len(pattern) or (start == 0 and not slash and plain_rest):
                tokens.append(Token(ANY))
            else:
                tokens.append(Token(DSTAR))
            continue
        if ch == "*":
            tokens.append(Token(STAR))
        elif ch == "?":
            tokens.append(Token(ONE))
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                tokens.append(Token(LIT, ch))
            else:
                body = pattern[i + 1 : end]
                body = "^" + body[1:] if body.startswith("^") else body
                tokens.append(Token(CLASS, charset=re.compile(f"[{body}]")))
                i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            tokens.append(Token(LIT, pattern[i]))
        else:
            tokens.append(Token(LIT, ch))
        i += 1
    return tokens


class Glob:
    """One compiled pattern. ``fullmatch(path)`` is truthy when the pattern matches ``path``.

    The method name mirrors :meth:`re.Pattern.fullmatch`, which this replaces.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.tokens = tokenize(pattern)
        kinds = [t.kind for t in self.tokens]
        head = next((n for n, k in enumerate(kinds) if k != LIT), len(kinds))
        tail = next((n for n, k in enumerate(reversed(kinds)) if k != LIT), len(kinds))
        self.prefix = "".join(t.char for t in self.tokens[:head])
        self.suffix = "".join(t.char for t in self.tokens[len(kinds) - tail :]) if tail else ""
        self.middle = kinds[head : len(kinds) - tail]
        # The literal tail must match the path's last characters, so the simulation of
        # the middle stops where the tail begins.
        self._end = len(kinds) - tail
        # The longest plain run in the middle must occur in what the middle matches: a
        # substring test in C rules out most paths before the simulation runs.
        runs = "".join(t.char if t.kind == LIT else "\0" for t in self.tokens[head : self._end])
        self.needle = max(runs.split("\0"), key=len)
        # Without "**" or a character class (which may match "/"), every path the pattern
        # matches has as many folders as the pattern: the index files patterns by it.
        fixed = not any(k in (DSTAR, ANY, CLASS) for k in kinds)
        self.depth = sum(t.char == "/" for t in self.tokens) + 1 if fixed else None
        self._transitions: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    def fullmatch(self, path: str) -> bool:
        """True when the whole of ``path`` matches, with Docker's meaning of each wildcard."""
        if not self.middle:
            return path == self.prefix
        if not (path.startswith(self.prefix) and path.endswith(self.suffix)):
            return False
        inner = path[len(self.prefix) : len(path) - len(self.suffix)]
        if len(inner) + len(self.prefix) + len(self.suffix) != len(path):
            return False  # prefix and suffix overlap
        if self.middle == [ANY]:
            return True
        if self.middle == [STAR]:
            return "/" not in inner
        if self.middle == [DSTAR]:
            return inner == "" or inner.endswith("/")
        if self.needle not in inner:
            return False
        return self._simulate(inner, len(self.prefix))

    def literal_segments(self) -> list[str]:
        """Plain-text folder names every matching path has as a whole path segment.

        A run of literal characters counts when a ``/`` (or the start, possibly through
        ``**/`` folders) comes before it and a ``/`` or the end after it: ``x`` in
        ``src/**/x/*.py``, but not ``x`` in ``a**/x``, which also matches ``ax``.
        """
        found, run, start = [], "", True
        for token in [*self.tokens, Token(LIT, "/")]:
            if token.kind == LIT and token.char == "/":
                if start and run:
                    found.append(run)
                run, start = "", True
            elif token.kind == LIT:
                run += token.char
            elif token.kind == DSTAR and start and not run:
                continue  # "**/" right after a "/" or the start keeps the boundary
            else:
                run, start = "", False
        return found

    def _closure(self, states: set[int]) -> frozenset[int]:
        """Add the states reachable without consuming: past a ``*``, ``**`` or into a loop."""
        todo = list(states)
        done = set(states)
        while todo:
            state = todo.pop()
            if state < 0 or state >= self._end:
                continue
            kind = self.tokens[state].kind
            reach = []
            if kind in (STAR, ANY):
                reach.append(state + 1)
            elif kind == DSTAR:
                # -(state + 1) is "inside the folders a ** matches": only a "/" leaves it.
                reach += [state + 1, -(state + 1)]
            for nxt in reach:
                if nxt not in done:
                    done.add(nxt)
                    todo.append(nxt)
        return frozenset(done)

    def _step(self, states: frozenset[int], char: str) -> frozenset[int]:
        """The states after consuming ``char``, memoised (a lazily built DFA)."""
        key = (states, char)
        found = self._transitions.get(key)
        if found is not None:
            return found
        after: set[int] = set()
        for state in states:
            if state < 0:
                after.add(state)
                if char == "/":
                    after.add(-state)
                continue
            if state >= self._end:
                continue
            token = self.tokens[state]
            if token.kind in (STAR, ANY):
                if token.accepts(char):
                    after.add(state)
            elif token.kind != DSTAR and token.accepts(char):
                after.add(state + 1)
        result = self._closure(after)
        if len(self._transitions) < 4096:  # the memo stays small on hostile input
            self._transitions[key] = result
        return result

    def _simulate(self, inner: str, start: int) -> bool:
        """Run the middle tokens over ``inner``: time linear in its length."""
        states = self._closure({start})
        for char in inner:
            states = self._step(states, char)
            if not states:
                return False
        return self._end in states


Bucket = dict[int | None, list[int]]  # pattern numbers by the depth they need (None: any)


class PatternIndex:
    """Patterns filed by what a path must contain, so each path meets few of them.

    Exact names are a dictionary lookup. A pattern with a plain-text folder name (``x`` in
    ``src/**/x/*.py``) matches only paths that have that folder, so it is filed under its
    rarest such name; one that ends in plain text is filed under its last characters; the
    few left (``*``, ``**``, ``a*``) are tried on every path. Within each, patterns are
    filed by how many folders a path they match has, when that is fixed.
    """

    def __init__(self, globs: Sequence[Glob]) -> None:
        self.globs = list(globs)
        self.exact: dict[str, int] = {}
        self.by_segment: dict[str, Bucket] = {}
        self.by_tail: dict[str, Bucket] = {}
        self.rest: Bucket = {}
        segments = [glob.literal_segments() for glob in self.globs]
        frequency = Counter(name for names in segments for name in set(names))
        for number, glob in enumerate(self.globs):
            if not glob.middle:
                self.exact[glob.prefix] = number  # later lines overwrite: the last wins
                continue
            if segments[number]:
                rarest = min(segments[number], key=frequency.__getitem__)
                bucket = self.by_segment.setdefault(rarest, {})
            elif glob.suffix:
                bucket = self.by_tail.setdefault(glob.suffix[-TAIL_KEY:], {})
            else:
                bucket = self.rest
            bucket.setdefault(glob.depth, []).append(number)

    def last_match(self, path: str) -> int:
        """The number of the last pattern that matches ``path`` exactly, or -1."""
        best = self.exact.get(path, -1)
        names = path.split("/")
        buckets = [self.rest]
        buckets += [self.by_segment[name] for name in set(names) if name in self.by_segment]
        for size in range(1, TAIL_KEY + 1):
            if len(path) >= size and path[-size:] in self.by_tail:
                buckets.append(self.by_tail[path[-size:]])
        candidates = [n for b in buckets for depth in (None, len(names)) for n in b.get(depth, ())]
        for number in sorted(candidates, reverse=True):
            if number <= best:
                break
            if self.globs[number].fullmatch(path):
                return number
        return best
