"""``/docs``: Swagger UI for the API, with the schema behind the token.

A browser cannot send a bearer header when it opens a page, so the page itself is a shell that
holds nothing about the API: it asks for the token, fetches ``/openapi.json`` with it (401
without), and only then draws Swagger UI from that schema; "Try it out" sends the same token.
The token stays in the page's memory (never in a URL, a cookie or storage). Swagger UI's
script and style come from the jsDelivr CDN, as FastAPI's own docs page does.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>cm-fhir-adapter API</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<main>
<h1>cm-fhir-adapter API</h1>
<form id="sign-in">
  <p>The API description is behind the service's bearer token (ADAPTER_API_TOKEN).</p>
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="off" required>
  <button type="submit">Show the API</button>
  <p id="problem" role="alert"></p>
</form>
<div id="swagger-ui"></div>
</main>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script>
document.getElementById("sign-in").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const token = document.getElementById("token").value.trim();
  const problem = document.getElementById("problem");
  const answer = await fetch("openapi.json", {{headers: {{Authorization: "Bearer " + token}}}});
  if (!answer.ok) {{
    problem.textContent = answer.status === 401 ? "That token is not accepted." :
      "The schema could not be read (HTTP " + answer.status + ").";
    return;
  }}
  const spec = await answer.json();
  document.getElementById("sign-in").hidden = true;
  window.ui = SwaggerUIBundle({{
    spec: spec,
    dom_id: "#swagger-ui",
    requestInterceptor: (request) => {{
      request.headers.Authorization = "Bearer " + token;
      return request;
    }},
  }});
}});
</script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
async def docs_page() -> HTMLResponse:
    """The shell page (no API content); the schema it draws is fetched with the token."""
    return HTMLResponse(_PAGE, headers={"Cache-Control": "no-store"})
