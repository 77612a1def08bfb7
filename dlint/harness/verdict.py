"""How a check says it failed: one message, the same with or without assert rewriting."""


class CheckFailed(AssertionError):
    """A check found the image or service breaking the spec; the message says how."""


def expect(condition: bool, message: str) -> None:
    """Fail the current check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)
