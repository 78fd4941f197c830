"""Print a user's API token for an integration, creating it if missing."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecomanalytics.api.tokens import UnknownUserError, issue_token


class Command(BaseCommand):
    help = (
        "Print USERNAME's API token (created if missing; --rotate replaces it). "
        "Send it as 'Authorization: Token <key>'. Tokens are listed and revocable "
        "in the admin under Auth Token."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the existing token; the old key stops working at once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token, _created = issue_token(
                username=options["username"], rotate=options["rotate"]
            )
        except UnknownUserError as error:
            raise CommandError(f"No user named {error.args[0]!r}.") from error
        self.stdout.write(token.key)
