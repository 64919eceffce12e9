"""Offline capture in a real browser (Chromium, Playwright's offline mode): observations
logged without a network wait in the outbox, survive a reload, and are stored exactly once
when the network (or the session) is back; a refused one stays with the server's message."""

import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from scenes.demo import load_scenes
from scenes.models import Observation, Scene

from .test_browser import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sergels(personas):
    load_scenes(per_scene=5)
    return Scene.objects.get(name="Sergels torg (demo)")


@pytest.fixture
def context(browser):
    context = browser.new_context(timezone_id="Europe/Stockholm", locale="sv-SE")
    # No map tiles: nothing off this machine is fetched.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
    yield context
    context.close()


@pytest.fixture
def field(context, live_server, sergels, demo_password):
    """The field worker, signed in, on the observation form once online (so the service
    worker has kept it)."""
    page = context.new_page()
    log_in(page, live_server, "sthlm.falt", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    ready = "() => document.documentElement.dataset.odsOfflineReady === '1'"
    page.goto(form_url(live_server, sergels))
    page.wait_for_function(ready)
    # A page loaded while the worker was being installed may stay outside it: the next
    # visit is inside.
    page.goto(form_url(live_server, sergels))
    page.wait_for_function(f"{ready} && !!navigator.serviceWorker.controller")
    return page


def form_url(live_server, scene):
    return f"{live_server.url}{reverse('scenes:observation_create')}?scene={scene.pk}"


def fill(page, scene, text, north=0.0):
    centre = scene.boundary.centroid
    # The browser's clock is not the test's: the time is typed as the server sees it now.
    page.get_by_label("Latitud").fill(f"{centre.y + north:.6f}")
    page.get_by_label("Longitud").fill(f"{centre.x:.6f}")
    page.locator("#id_occurred_at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Kategori").select_option("narkotikabruk")
    page.get_by_label("Källa").select_option("egen")
    page.locator('input[name="insecurity"][value="3"]').check()
    page.get_by_label("Beskrivning").fill(text)


def save_offline(page, scene, text, n, **kw):
    fill(page, scene, text, **kw)
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("#outbox-notice")).to_contain_text("Sparad i utkorgen")
    expect(page.locator("[data-outbox-count]")).to_have_text(str(n))


def logged(prefix):
    return Observation.objects.filter(description__startswith=prefix)


def wait_for_rows(query, count, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if query.count() >= count:
            break
        time.sleep(0.25)
    time.sleep(1)  # and nothing more arrives after
    return query.count()


def test_three_observations_logged_offline_are_stored_once_when_the_network_returns(
    field, context, sergels
):
    context.set_offline(True)
    for n in (1, 2, 3):
        save_offline(field, sergels, f"Utan nät {n}: grupp vid trappan.", n)
    assert logged("Utan nät").count() == 0
    # A reload without a network shows the kept form, with the outbox still full.
    field.reload()
    expect(field.get_by_label("Kategori")).to_be_visible()
    expect(field.locator("[data-outbox-count]")).to_have_text("3")
    expect(field.locator("#outbox-notice")).to_contain_text("sparade kopia")

    context.set_offline(False)
    assert wait_for_rows(logged("Utan nät"), 3) == 3
    expect(field.locator("[data-outbox-badge]")).to_be_hidden()
    rows = list(logged("Utan nät").order_by("pk"))
    assert [r.description[:10] for r in rows] == ["Utan nät 1", "Utan nät 2", "Utan nät 3"]
    assert len({r.client_uuid for r in rows}) == 3 and all(r.client_uuid for r in rows)
    assert {r.reported_by.username for r in rows} == {"sthlm.falt"}
    # Sent again (a second tab, a crash before the outbox was emptied): no new row.
    field.reload()
    assert wait_for_rows(logged("Utan nät"), 4, seconds=3) == 3


def test_offline_observations_wait_for_a_new_log_in_when_the_session_expired(
    field, context, sergels, live_server, demo_password
):
    context.set_offline(True)
    for n in (1, 2, 3):
        save_offline(field, sergels, f"Utloggad {n}: grupp vid trappan.", n)
    field.reload()
    Session.objects.all().delete()  # the session ends while the phone is offline

    context.set_offline(False)
    badge = field.locator("[data-outbox-badge]")
    expect(badge).to_have_class(re.compile("outbox-badge--attention"))
    expect(field.locator("[data-outbox-count]")).to_have_text("3")
    assert logged("Utloggad").count() == 0

    field.goto(f"{live_server.url}{reverse('scenes:observation_outbox')}")
    assert "/accounts/login/" in field.url
    log_in(field, live_server, "sthlm.falt", demo_password)
    assert wait_for_rows(logged("Utloggad"), 3) == 3
    expect(field.locator("[data-outbox-badge]")).to_be_hidden()


def test_a_refused_entry_stays_with_the_servers_message_until_corrected(
    field, context, sergels, live_server
):
    context.set_offline(True)
    save_offline(field, sergels, "Fel plats: långt norr om scenen.", 1, north=0.05)
    context.set_offline(False)
    badge = field.locator("[data-outbox-badge]")
    expect(badge).to_have_class(re.compile("outbox-badge--attention"))
    assert logged("Fel plats").count() == 0

    badge.click()
    entry = field.locator(".outbox-entry")
    expect(entry).to_contain_text("Avvisad")
    expect(entry).to_contain_text("utanför scenens gräns")
    assert axe_violations(field) == []
    # Still there after a reload: nothing is dropped.
    field.reload()
    expect(field.locator(".outbox-entry")).to_contain_text("utanför scenens gräns")

    field.get_by_role("link", name="Öppna i formuläret").click()
    expect(field.locator("#outbox-notice")).to_contain_text("utanför scenens gräns")
    assert field.get_by_label("Beskrivning").input_value() == "Fel plats: långt norr om scenen."
    centre = sergels.boundary.centroid
    field.get_by_label("Latitud").fill(f"{centre.y:.6f}")
    field.get_by_role("button", name="Spara", exact=True).click()
    field.wait_for_url(re.compile(rf"/scenes/{sergels.pk}/"))
    assert logged("Fel plats").count() == 1
    expect(field.locator("[data-outbox-badge]")).to_be_hidden()


def test_a_refused_entry_can_be_discarded(field, context, sergels, live_server):
    context.set_offline(True)
    save_offline(field, sergels, "Kastas: fel plats.", 1, north=0.05)
    context.set_offline(False)
    expect(field.locator("[data-outbox-badge]")).to_have_class(re.compile("attention"))
    field.goto(f"{live_server.url}{reverse('scenes:observation_outbox')}")
    # The list is drawn by the page's script once it has read the outbox: wait for the
    # refused entry itself before pressing its button.
    expect(field.locator(".outbox-entry--rejected")).to_have_count(1)
    field.once("dialog", lambda dialog: dialog.accept())
    field.get_by_role("button", name="Kasta").click()
    expect(field.locator("#outbox-empty")).to_be_visible()
    expect(field.locator("[data-outbox-badge]")).to_be_hidden()
    assert logged("Kastas").count() == 0


def test_a_double_tap_on_the_online_form_stores_one_row(field, sergels, live_server):
    fill(field, sergels, "Dubbeltryck: grupp vid trappan.")
    field.get_by_role("button", name="Spara", exact=True).dblclick()
    field.wait_for_url(re.compile(rf"/scenes/{sergels.pk}/"))
    assert wait_for_rows(logged("Dubbeltryck"), 2, seconds=3) == 1


def test_the_same_form_sent_twice_at_once_stores_one_row(field, sergels, live_server):
    """Two tabs or a browser without the page script: the same filled-in form posted twice,
    the server stores it once and answers both as done."""
    fill(field, sergels, "Två gånger: grupp vid trappan.")
    statuses = field.evaluate(
        """async () => {
            const form = document.querySelector("form.observation-form");
            const send = () => fetch(location.href, {method: "POST", body: new FormData(form)});
            const answers = await Promise.all([send(), send()]);
            return answers.map((r) => r.status);
        }"""
    )
    assert statuses == [200, 200]
    assert wait_for_rows(logged("Två gånger"), 2, seconds=3) == 1


# --- A browser restart, and the form kept after a visit of the start page only --------------

READY = "() => document.documentElement.dataset.odsOfflineReady === '1'"


@pytest.fixture
def profile(browser_type, browser_type_launch_args, tmp_path):
    """Chromium with a profile on disk (`launch()` starts it; closing the context quits the
    browser, and the next `launch()` starts it again on the same profile), as a phone's
    browser that is closed and opened again."""
    started = []

    def launch():
        context = browser_type.launch_persistent_context(
            str(tmp_path / "profile"),
            **browser_type_launch_args,
            timezone_id="Europe/Stockholm",
            locale="sv-SE",
        )
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda r: r.abort())
        started.append(context)
        return context, (context.pages[0] if context.pages else context.new_page())

    yield launch
    for context in started:
        context.close()  # a no-op for one the test closed


def test_the_outbox_survives_a_browser_restart_without_a_network(
    profile, live_server, sergels, demo_password
):
    context, page = profile()
    log_in(page, live_server, "sthlm.falt", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(form_url(live_server, sergels))
    page.wait_for_function(READY)
    page.goto(form_url(live_server, sergels))
    page.wait_for_function(f"{READY} && !!navigator.serviceWorker.controller")
    context.set_offline(True)
    save_offline(page, sergels, "Omstart 1: grupp vid trappan.", 1)
    save_offline(page, sergels, "Omstart 2: grupp vid trappan.", 2)
    context.close()  # the whole browser quits

    context, page = profile()
    context.set_offline(True)
    outbox = f"{live_server.url}{reverse('scenes:observation_outbox')}"
    page.goto(outbox)  # served by the service worker: there is no network
    expect(page.locator("html")).to_have_attribute("data-ods-offline-copy", "1")
    entries = page.locator(".outbox-entry")
    expect(entries).to_have_count(2)
    expect(page.locator("[data-outbox-count]")).to_have_text("2")
    assert logged("Omstart").count() == 0

    context.set_offline(False)
    # The session ended with the browser (log-ins are not remembered, settings
    # ACCOUNT_SESSION_REMEMBER): the outbox waits for a new log-in, then sends.
    expect(page.locator("[data-outbox-badge]")).to_have_class(re.compile("attention"))
    assert logged("Omstart").count() == 0
    log_in(page, live_server, "sthlm.falt", demo_password)
    assert wait_for_rows(logged("Omstart"), 2) == 2
    rows = list(logged("Omstart").order_by("pk"))
    assert [r.description[:9] for r in rows] == ["Omstart 1", "Omstart 2"]
    page.goto(outbox)
    expect(page.locator("#outbox-empty")).to_be_visible()
    expect(page.locator(".outbox-entry")).to_have_count(0)
    expect(page.locator("[data-outbox-badge]")).to_be_hidden()


def test_one_visit_of_the_start_page_keeps_the_form_with_the_users_scenes_for_offline(
    context, live_server, sergels, personas, demo_password
):
    page = context.new_page()
    log_in(page, live_server, "sthlm.falt", demo_password)
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_function(READY)  # the start page only: the form was never opened
    context.set_offline(True)
    page.goto(f"{live_server.url}{reverse('scenes:observation_create')}")
    expect(page.locator("html")).to_have_attribute("data-ods-offline-copy", "1")
    expect(page.locator("#outbox-notice")).to_contain_text("sparade kopia")
    offered = {t.strip() for t in page.locator("#id_scene option").all_text_contents()}
    mine = {s.name for s in Scene.objects.open_for_logging_by(personas["sthlm.falt"])}
    assert sergels.name in mine and mine <= offered
    categories = page.locator("#id_category option").all_text_contents()
    assert "Narkotikabruk" in categories and "Narkotikaförsäljning" in categories
    # And an observation saved there goes to the outbox.
    page.locator("#id_scene").select_option(str(sergels.pk))
    save_offline(page, sergels, "Från startsidan: grupp vid trappan.", 1)
