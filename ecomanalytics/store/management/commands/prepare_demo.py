"""Demo data and a demo login for `make run`: generates data only when the shop is empty."""

from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ecomanalytics.store.models import Order

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"


class Command(BaseCommand):
    help = (
        "Generate demo data when the database is empty and create the demo staff login."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not Order.objects.exists():
            self.stdout.write("The shop is empty: generating demo data.")
            call_command("generate_data")
        user, _ = User.objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = True
        user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                "\nDashboard: http://127.0.0.1:8000/   admin: http://127.0.0.1:8000/admin/\n"
                f"Demo login: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}\n"
            )
        )
