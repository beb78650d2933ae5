from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Turn on two-factor login for USER: prints, once, the otpauth:// address to add to an "
        "authenticator app (as a QR code or by hand). --off removes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--off", action="store_true", help="turn two-factor login off")

    def handle(self, *args, username: str, off: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        TOTPDevice.objects.filter(user=user).delete()
        if off:
            self.stdout.write(f"two-factor login is off for {username}")
            return
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        self.stdout.write(device.config_url)
