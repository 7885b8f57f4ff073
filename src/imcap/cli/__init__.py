"""The ``imcap`` command line (typer + rich). ``main(argv, environ)`` is testable in-process."""
