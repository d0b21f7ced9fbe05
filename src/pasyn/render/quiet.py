"""Silencing Blender's C-level output (it writes to file descriptors 1 and 2 directly, past sys.stdout)."""
from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_fd(fd: int):
    """Send file descriptor fd (1 stdout, 2 stderr) to /dev/null inside the block."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
