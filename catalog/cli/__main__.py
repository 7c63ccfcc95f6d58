"""``python -m catalog.cli``: the same commands as the ``catalog`` script."""
from catalog.cli import main

if __name__ == "__main__":
    main()
