"""Run the ``crm`` command as ``python -m termcrm``."""

from termcrm.cli import main

if __name__ == "__main__":
    main()
