"""ldb's exceptions: one class per error code, each also the built-in
exception a Python user would catch for that kind of failure.

Every ldb error carries ``code`` (the error code's name, e.g. ``"not_found"``),
``message`` (what failed and where) and ``hint`` (what to do next);
``str(e)`` is the message, then the hint on its own line, as the ``ldb``
command prints them.
"""


class LdbWarning(UserWarning):
    """What ldb warns about while a call succeeds (a query that failed on
    some objects, a skipped file), as the command line prints
    ``ldb: warning: ...``."""


class Error(Exception):
    """Base class of every error ldb raises."""

    code = "internal"

    def __init__(self, message="", hint=""):
        # One argument, so that the exception pickles (DataLoader workers
        # send theirs to the main process) and exc_type(text) works.
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        if not self.hint:
            return self.message
        # Continuation lines (a query with a caret under it) line up with
        # the text after "hint: ", as the command line prints them.
        return f"{self.message}\nhint: " + self.hint.replace("\n", "\n      ")


class NotFoundError(Error, LookupError):
    """Something named does not exist: a dataset, an object, a file, the instance."""

    code = "not_found"


class InvalidArgumentError(Error, ValueError):
    """Bad input: a malformed query, name or value."""

    code = "invalid_argument"


class AlreadyExistsError(Error, FileExistsError):
    """Something to be made exists already (an instance, a storage location)."""

    code = "already_exists"


class ConflictError(Error, RuntimeError):
    """The state forbids it now: uncommitted changes, a merge conflict, an
    unfinished instantiation."""

    code = "conflict"


class CorruptionError(Error, RuntimeError):
    """Stored data is damaged."""

    code = "corruption"


class IoError(Error, OSError):
    """Reading or writing failed: storage, network, disk."""

    code = "io"


class UnsupportedError(Error, NotImplementedError):
    """Valid, but not something ldb does (here, or with this backend or format)."""

    code = "unsupported"


class InternalError(Error, RuntimeError):
    """A bug in ldb."""

    code = "internal"


BY_CODE = {cls.code: cls for cls in (NotFoundError, InvalidArgumentError, AlreadyExistsError, ConflictError,
                                     CorruptionError, IoError, UnsupportedError, InternalError)}


def from_code(code, message, hint):
    """The exception for an error code's name (the C++ module raises these)."""
    return BY_CODE.get(code, Error)(message, hint)
