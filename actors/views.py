"""The directory of actors: organisations and, for those who may see them, their members."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import gettext as _

from ods_platform.lib.export import FORMATS, table_response

from .models import Membership, Organisation
from .permissions import get_organisation_for_user


@login_required
def organisation_list(request):
    organisations = (
        Organisation.objects.visible_to(request.user)
        .select_related("parent")
        .annotate(member_count=Count("memberships"))
        .order_by("kind", "name")
    )
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        organisations = organisations.filter(Q(name__icontains=query) | Q(municipality_code=query))
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        # The organisations: a fixed register of a few hundred rows; a direct download.
        return table_response(
            "organisationer",
            [_("Name"), _("Kind"), _("Municipality code"), _("Part of")],
            (
                (
                    o.name,
                    o.get_kind_display(),
                    o.municipality_code,
                    o.parent.name if o.parent else "",
                )
                for o in organisations
            ),
            fmt,
        )
    return render(
        request,
        "actors/organisation_list.html",
        {
            "organisations": organisations,
            "kinds": Organisation.Kind.choices,
            "kind": kind,
            "q": query,
            "export_query": request.GET.urlencode(),
        },
    )


@login_required
def organisation_detail(request, pk):
    organisation = get_organisation_for_user(request.user, pk)
    members = (
        Membership.objects.visible_to(request.user)
        .filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return render(
        request,
        "actors/organisation_detail.html",
        {
            "organisation": organisation,
            "members": members,
            "children": organisation.children.visible_to(request.user),
        },
    )
