"""One router per noun; :func:`adapter.api.app.create_app` includes them."""
