"""Runs sushy-emulator for the lab: exits with the lab process, and optionally shortens the power-change delay.

Usage: python -m lab.bmc.emulator_wrapper [--delay LOW HIGH] -- <sushy-emulator arguments>

The fake driver draws its delay with `random.randint(1, 11)`; `--delay` replaces only that draw, so every other
behaviour (the change applies when the System is next read, Restart = Off now then On later) stays the emulator's.
Without `--delay` the emulator runs unchanged.
"""

import os
import random
import sys
import threading
import time

from sushy_tools.emulator import main as emulator_main
from sushy_tools.emulator.resources.systems import fakedriver


class _ShortDelay(random.Random):
    def __init__(self, low: int, high: int):
        super().__init__()
        self.low, self.high = low, high

    def randint(self, a, b):  # noqa: ARG002 - the emulator's bounds are what we replace
        return super().randint(self.low, self.high)


def _exit_with_parent(parent: int) -> None:
    """A lab killed without a chance to stop us must not leave its emulator behind."""
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(1)


def main(argv: list[str]) -> int:
    options, rest = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    if options[:1] == ["--delay"]:
        fakedriver.random = _ShortDelay(int(options[1]), int(options[2]))
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sys.argv = ["sushy-emulator", *rest]
    return emulator_main.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
