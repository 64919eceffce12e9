"""Run the test SAML 2.0 identity provider: `python tests/sso/run_saml_idp.py CONFIG.json`.

pysaml2's IdP (`saml2.server.Server`) behind a small WSGI app: HTTP-Redirect single sign-on,
a log-in form, and a signed response (response and assertion, RSA-SHA256) posted back to the
service provider's ACS. The service provider's metadata is read from its own metadata URL
when the first sign-in arrives. CONFIG names the port, the key and certificate (PEM), the SP
metadata URL and the people with their attributes. Runs on the test session's clock."""

import html
import json
import os
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def idp_server(config: dict):
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT
    from saml2.server import Server

    base = f"http://127.0.0.1:{config['port']}"
    conf = IdPConfig()
    conf.load(
        {
            "entityid": f"{base}/metadata",
            "service": {
                "idp": {
                    "name": "Test IdP",
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 15},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "sign_response": True,
                    "sign_assertion": True,
                    "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                    "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
                }
            },
            "key_file": config["key"],
            "cert_file": config["cert"],
            "metadata": {"remote": [{"url": config["sp_metadata_url"]}]},
            "xmlsec_binary": "/usr/bin/xmlsec1",
        }
    )
    return Server(config=conf)


def _login_form(saml_request: str, relay_state: str, error: str = "") -> bytes:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in (("SAMLRequest", saml_request), ("RelayState", relay_state))
    )
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test SAML identity provider</title></head><body><main>
<h1>Test SAML identity provider</h1>{f"<p>{error}</p>" if error else ""}
<form method="post" action="/sso/login">{hidden}
<label for="username">Username</label> <input id="username" name="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in at the federation</button></form></main></body></html>"""
    return page.encode()


def make_app(config: dict):
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAMEID_FORMAT_PERSISTENT, NameID

    people = config["people"]

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/sso/redirect":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            body = _login_form(query["SAMLRequest"][0], query.get("RelayState", [""])[0])
        elif path == "/sso/login" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            person = people.get(form.get("username", ""))
            if not person or person["password"] != form.get("password"):
                body = _login_form(form["SAMLRequest"], form.get("RelayState", ""), "Wrong.")
            else:
                server = idp_server(config)
                request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT)
                args = server.response_args(request.message, [BINDING_HTTP_POST])
                destination = args.pop("destination")
                args.pop("binding", None)
                name_id = NameID(
                    format=NAMEID_FORMAT_PERSISTENT,
                    sp_name_qualifier=args["sp_entity_id"],
                    name_qualifier=server.config.entityid,
                    text=person["attributes"]["uid"],
                )
                response = server.create_authn_response(
                    person["attributes"],
                    userid=person["attributes"]["uid"],
                    name_id=name_id,
                    authn={"class_ref": AUTHN_PASSWORD_PROTECTED},
                    sign_response=True,
                    sign_assertion=True,
                    destination=destination,
                    **args,
                )
                http_args = server.apply_binding(
                    BINDING_HTTP_POST,
                    str(response),
                    destination,
                    form.get("RelayState", ""),
                    response=True,
                )
                body = (
                    http_args["data"].encode()
                    if isinstance(http_args["data"], str)
                    else http_args["data"]
                )
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    return app


def main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    from ods_platform import testing_clock

    if testing_clock.OFFSET_ENV in os.environ:
        testing_clock.start()
    server = make_server(
        "127.0.0.1", config["port"], make_app(config), _Server, handler_class=_Quiet
    )
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
