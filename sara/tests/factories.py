"""Building SARA objects in tests, through the models' own validation."""

from sara.models import Action


def make_action(case, org, **fields):
    """An action of `case` owned by `org`, checked by Action.full_clean() like any other."""
    action = Action(case=case, title=fields.pop("title", "Åtgärd"), responsible=org, **fields)
    action.full_clean()
    action.save()
    return action
