"""docker-compose.yml works as written: every ADAPTER_* name it or its env-file example sets is
a real setting, secrets come from the env file, and the HAPI image matches the launcher."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from adapter.config_file import SWITCHES, env_names
from adapter.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def _example_names() -> set[str]:
    text = (ROOT / "deploy" / "adapter.env.example").read_text()
    return set(re.findall(r"^#?\s*(ADAPTER_[A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_adapter_name_in_compose_and_the_env_example_is_a_setting():
    known = set(env_names(Settings)) | SWITCHES
    used = set(_example_names())
    for service in _compose()["services"].values():
        used |= {name for name in service.get("environment") or {} if name.startswith("ADAPTER_")}
    assert used, "nothing checked"
    assert not used - known, f"not settings: {sorted(used - known)}"


def test_secrets_are_in_the_env_file_not_in_compose():
    for name, service in _compose()["services"].items():
        environment = service.get("environment") or {}
        assert not {k for k in environment if "TOKEN" in k or "SECRET" in k or "KEY" in k}, name
    assert "ADAPTER_API_TOKEN" in _example_names()


def test_the_service_keeps_its_ledger_on_a_volume_and_checks_its_health():
    service = _compose()["services"]["service"]
    ledger_url = service["environment"]["ADAPTER_LEDGER_URL"]
    assert ledger_url.startswith("sqlite:////data/")
    assert "ledger:/data" in service["volumes"]
    assert "/health" in " ".join(service["healthcheck"]["test"])
    assert service["ports"] == ["127.0.0.1:8000:8000"]
    assert service["environment"]["ADAPTER_PROFILE"] == "local"


def test_the_hapi_image_matches_the_launchers_hapi_version():
    pom = (ROOT / "tools" / "hapi-server" / "pom.xml").read_text()
    [version] = re.findall(
        r"<parent>\s*<groupId>ca\.uhn\.hapi\.fhir</groupId>\s*<artifactId>hapi-fhir</artifactId>"
        r"\s*<version>([^<]+)</version>",
        pom,
    )
    image = _compose()["services"]["hapi"]["image"]
    assert image.startswith(f"hapiproject/hapi:v{version}-"), (image, version)
