"""The ``sibao`` command: Django's management commands under the platform's name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sibao.config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake (DATABASE_URL, a boolean) is an operator error: say it plainly.
        sys.stderr.write(f"sibao: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
