"""`make demo`: the product end to end against the embedded sandbox."""

from __future__ import annotations


def main() -> None:
    from intacct_reconcile import __version__

    print(f"intacct-reconcile {__version__}: demo not assembled yet")


if __name__ == "__main__":
    main()
