"""The test provider's claims: e-mail, its verification and the authentication methods
(`amr`) come from the people the test gave it (OP_PEOPLE, a JSON file)."""

import json
import os


def _person(user) -> dict:
    with open(os.environ["OP_PEOPLE"]) as f:
        return json.load(f)[user.username]


def userinfo(claims, user):
    person = _person(user)
    claims["email"] = person["email"]
    claims["email_verified"] = person.get("email_verified", True)
    claims["given_name"] = person.get("given_name", "")
    claims["family_name"] = person.get("family_name", "")
    return claims


def id_token(id_token, user=None, **kwargs):
    amr = _person(user).get("amr")
    if amr:
        id_token["amr"] = amr
    return id_token
