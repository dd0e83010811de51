"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) to .mo, in pure Python."""

from django.core.management.base import BaseCommand, CommandError

from intentional.catalogues import CatalogueError, catalogue_paths, catalogues_compile


class Command(BaseCommand):
    help = (
        "Compile every locale/<language>/LC_MESSAGES/*.po to its .mo (no GNU gettext needed). "
        "Fails, naming the entries, on a catalogue that cannot be read or whose translations "
        "would break a message (placeholders, plural forms). `make run` and `make test` run it."
    )
    # Needs no database, no checks: it runs before anything else is set up.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale",
            action="store_true",
            help="Only catalogues whose .mo is missing or older than the .po.",
        )

    def handle(self, *args, stale: bool = False, **options):
        try:
            written = catalogues_compile(only_stale=stale)
        except CatalogueError as error:
            raise CommandError(f"Refused:\n{error}") from None
        if options["verbosity"] >= 1:
            total = len(catalogue_paths())
            self.stdout.write(f"Compiled {len(written)} of {total} catalogues.")
        for path in written:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {path}")
