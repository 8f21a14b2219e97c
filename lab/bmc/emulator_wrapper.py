"""Start sushy-emulator with a shorter power-change delay than its random 1-11 s.

Usage: python -m lab.bmc.emulator_wrapper LOW HIGH -- <sushy-emulator arguments>

The fake driver draws the delay with `random.randint(1, 11)`; only that draw is replaced, so every other
behaviour (the change applies when the System is next read, Restart = Off now then On later) stays the emulator's.
"""

import random
import sys

from sushy_tools.emulator import main as emulator_main
from sushy_tools.emulator.resources.systems import fakedriver


class _ShortDelay(random.Random):
    def __init__(self, low: int, high: int):
        super().__init__()
        self.low, self.high = low, high

    def randint(self, a, b):  # noqa: ARG002 - the emulator's bounds are what we replace
        return super().randint(self.low, self.high)


def main(argv: list[str]) -> int:
    low, high = int(argv[0]), int(argv[1])
    rest = argv[argv.index("--") + 1:] if "--" in argv else argv[2:]
    fakedriver.random = _ShortDelay(low, high)
    sys.argv = ["sushy-emulator", *rest]
    return emulator_main.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
