"""Real identity providers for the single sign-on browser tests, each run as a subprocess:
an OpenID Connect provider (django-oidc-provider, a Django project of its own) and a SAML 2.0
identity provider (pysaml2's IdP server behind a small WSGI app)."""
