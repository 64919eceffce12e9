"""Run the test OpenID Connect provider: `python tests/sso/run_oidc_provider.py CONFIG.json`.

CONFIG names the port, the SQLite file, the RSA key (PEM), the client (id, secret, redirect
URIs) and the people file. The provider runs on the test session's clock."""

import json
import os
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    from ods_platform import testing_clock

    if testing_clock.OFFSET_ENV in os.environ:
        testing_clock.start()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.oidc_op_settings"
    os.environ["OP_DATABASE"] = config["database"]
    os.environ["OP_PEOPLE"] = config["people"]
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oidc_provider.models import Client, ResponseType, RSAKey

    call_command("migrate", verbosity=0)
    RSAKey.objects.create(key=Path(config["key"]).read_text())
    for username, person in json.loads(Path(config["people"]).read_text()).items():
        User.objects.create_user(username, person["email"], person["password"])
    client = Client.objects.create(
        name="ODS-plattformen",
        client_type="confidential",
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        jwt_alg="RS256",
        require_consent=False,
        _redirect_uris="\n".join(config["redirect_uris"]),
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    server = make_server(
        "127.0.0.1", config["port"], get_wsgi_application(), _Server, handler_class=_Quiet
    )
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
