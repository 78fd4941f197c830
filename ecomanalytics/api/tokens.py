"""API tokens for integrations (DRF authtoken): one per user, shown in the admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token


class UnknownUserError(LookupError):
    pass


def issue_token(*, username: str, rotate: bool = False) -> tuple[Token, bool]:
    """The user's token, created when missing; rotate=True replaces an existing one.

    Returns the token and whether a new key was made. Rotating revokes the old key at
    once: a client still using it gets 401.
    """
    user_model = get_user_model()
    try:
        user = user_model._default_manager.get_by_natural_key(username)
    except user_model.DoesNotExist as error:
        raise UnknownUserError(username) from error
    with transaction.atomic():
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
    return token, created
