"""Exceptions tilelang-tt raises for input it cannot handle."""

from __future__ import annotations


class TTError(ValueError):
    """Base class: the input is not supported by the Tenstorrent backend.

    A subclass of ``ValueError`` so generic callers can still catch it; the
    message always names the offending target option, buffer, op or shape and
    says what is supported.
    """


class TTTargetError(TTError):
    """A ``tenstorrent`` target that cannot be built (unknown arch, bad option)."""


def ffi_message(err: BaseException) -> str:
    """The message of a TVM FFI error: its first line, without the backtrace
    and without the ". Target creation from ... failed: ..." suffix that TVM
    adds to target errors (it only repeats the input)."""
    text = str(err).strip()
    if not text:
        return type(err).__name__
    first = text.splitlines()[0]
    return first.split(". Target creation from", 1)[0].rstrip(".") + "."
