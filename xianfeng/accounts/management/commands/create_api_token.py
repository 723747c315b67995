from django.core.management.base import BaseCommand, CommandError

from xianfeng.accounts.models import User
from xianfeng.accounts.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API bearer token for a user and print it once. It expires after API_TOKEN_DAYS days; "
        "the user lists and revokes it at /accounts/tokens/."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        token, raw = api_token_create(acting_user=user, user=user, name=name)
        self.stdout.write(raw)
        self.stderr.write(f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}; revoke at /accounts/tokens/")
