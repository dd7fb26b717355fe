"""Exceptions raised by the strata package, one per C status code (abi/include/strata.h).

Every exception is a :class:`Error`; its ``code`` attribute is the STRATA_* status number and its
message is the library's ``strata_errmsg()`` text.  ``IoError`` is spelled that way (not
``IOError``) so that it never shadows the built-in ``IOError`` (an alias of ``OSError``).
"""

OK = 0
ERROR = 1
INVALID = 2
IO = 3
CORRUPT = 4
LOCKED = 5
NOT_FOUND = 6
TYPE_CONFLICT = 7
NOMEM = 8
READONLY = 9
ROW = 100
DONE = 101


class Error(Exception):
    """Base class of every strata error; also raised for STRATA_ERROR (an internal error)."""

    code = ERROR

    def __init__(self, message="", code=None):
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidError(Error):
    """STRATA_INVALID: a bad argument, name, option, value or line-protocol text."""

    code = INVALID


class IoError(Error):
    """STRATA_IO: an operating-system call failed; the message names the path."""

    code = IO


class CorruptError(Error):
    """STRATA_CORRUPT: damaged data; the message names the file and offset."""

    code = CORRUPT


class LockedError(Error):
    """STRATA_LOCKED: the data directory is open in another process."""

    code = LOCKED


class NotFoundError(Error):
    """STRATA_NOT_FOUND: a required file or object does not exist."""

    code = NOT_FOUND


class TypeConflictError(Error):
    """STRATA_TYPE_CONFLICT: a field already holds values of another type; nothing was written."""

    code = TYPE_CONFLICT


class NoMemError(Error):
    """STRATA_NOMEM: the library ran out of memory."""

    code = NOMEM


class ReadOnlyError(Error):
    """STRATA_READONLY: a write through a read-only open, or read-only storage opened to write."""

    code = READONLY


ERROR_CLASSES = {
    ERROR: Error,
    INVALID: InvalidError,
    IO: IoError,
    CORRUPT: CorruptError,
    LOCKED: LockedError,
    NOT_FOUND: NotFoundError,
    TYPE_CONFLICT: TypeConflictError,
    NOMEM: NoMemError,
    READONLY: ReadOnlyError,
}


def error_for(code, message):
    """The exception for status `code` (an unknown code gives a plain Error carrying it)."""
    cls = ERROR_CLASSES.get(code, Error)
    if cls is Error or code not in ERROR_CLASSES:
        return Error(message or "strata status %d" % code, code)
    return cls(message)
