"""Running a build or a host program as a child process that is stopped whole on a timeout."""

from __future__ import annotations

import os
import signal
import subprocess


class Timeout(Exception):
    """The process (and everything it started) ran past its timeout and was killed."""


def run(cmd: list[str], *, timeout: float, cwd=None, env=None) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, capture_output=True, text=True)`` in a session of its own, so that on a
    timeout (or an interrupt) the children it started -- the simulator's g++ kernel builds, CMake's
    compilers -- are killed with it instead of running on and leaving half-written files behind.
    Raises ``Timeout``; an executable that cannot be started raises ``OSError``."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException as err:  # the timeout, or KeyboardInterrupt
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.communicate()
        if isinstance(err, subprocess.TimeoutExpired):
            raise Timeout(f"{cmd[0]} did not finish within {timeout} s") from None
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


def failure(what: str, proc: subprocess.CompletedProcess) -> str:
    """The message of a failed host program: what failed on the first line (the program prefixes
    its own path, dropped here), the rest of its report below."""
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()] or ["(no output)"]
    first = lines[0].removeprefix(f"{proc.args[0]}: ")
    return "\n".join([f"{what} (exit {proc.returncode}): {first}", *lines[1:]])
