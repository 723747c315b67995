"""How a reminder digest reaches a member: pluggable channels (issue 10 §8).

Built in: ``console`` (the worker's log: a deployment without mail still sees what would be sent)
and ``email`` (Django's mail backend, to the member's account e-mail). ``sms`` goes through an
``SmsGateway`` — a carrier's API a deployment provides (settings.SMS_GATEWAY): the product ships
the interface, not a contract with a carrier.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("xianfeng.reminders")


class Undeliverable(Exception):
    """The member cannot be reached on this channel (no e-mail address, no phone)."""


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> None:
        """Send ``text`` to ``phone``; raise on failure."""


class ConsoleChannel:
    name = "console"

    def send(self, *, member, subject: str, body: str) -> None:
        logger.info("提醒 → %s：%s\n%s", member.name, subject, body)


class EmailChannel:
    name = "email"

    def send(self, *, member, subject: str, body: str) -> None:
        address = getattr(member.user, "email", "") if member.user_id else ""
        if not address:
            raise Undeliverable("no e-mail address")
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])


class SmsChannel:
    name = "sms"
    MAX_TEXT = 300  # a long SMS; the digest's first lines and the count of the rest

    def __init__(self, gateway: SmsGateway):
        self.gateway = gateway

    def send(self, *, member, subject: str, body: str) -> None:
        if not member.phone:
            raise Undeliverable("no phone")
        text = f"{subject}\n{body}"
        self.gateway.send(phone=member.phone, text=text[: self.MAX_TEXT])


def configured_channels() -> list:
    channels = []
    for name in settings.REMINDER_CHANNELS:
        if name == "console":
            channels.append(ConsoleChannel())
        elif name == "email":
            channels.append(EmailChannel())
        elif name == "sms":
            channels.append(SmsChannel(import_string(settings.SMS_GATEWAY)()))
    return channels
