"""`python -m support_agent chat`: see `support_agent.cli`."""

from support_agent.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
