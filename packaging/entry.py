"""PyInstaller entry point: the same `main` as the `checkin-app` console script."""
import sys

from checkin_app.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
