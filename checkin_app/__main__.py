"""`python -m checkin_app` and the `checkin-app` console script."""
import sys


def main(argv: list[str] | None = None) -> int:
    from checkin_app.cli import run

    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
