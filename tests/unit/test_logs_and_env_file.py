"""Operations logging (text or JSON lines) and the env file that is read only when named."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.cli import app
from adapter.errors import ConfigError
from adapter.logs import configure_logging
from adapter.settings import load_settings


def test_a_stray_env_file_in_the_working_directory_is_not_read():
    Path(".env").write_text("ADAPTER_NAMESPACE=from-stray-file\n")
    assert load_settings().namespace is None


def test_a_named_env_file_is_read_and_the_environment_wins(monkeypatch, tmp_path):
    named = tmp_path / "adapter.env"
    named.write_text("ADAPTER_NAMESPACE=from-file\nADAPTER_PUSH_CONCURRENCY=9\n")
    monkeypatch.setenv("ADAPTER_ENV_FILE", str(named))
    monkeypatch.setenv("ADAPTER_PUSH_CONCURRENCY", "3")
    settings = load_settings()
    assert (settings.namespace, settings.push_concurrency) == ("from-file", 3)


def test_a_named_env_file_that_is_missing_is_a_config_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ADAPTER_ENV_FILE", str(tmp_path / "nope.env"))
    with pytest.raises(ConfigError, match=r"ADAPTER_ENV_FILE: no such file: .*nope\.env"):
        load_settings()


def test_the_cli_takes_env_file_as_an_option(tmp_path):
    named = tmp_path / "adapter.env"
    named.write_text("ADAPTER_NAMESPACE=dev-from-file\n")
    result = CliRunner().invoke(app, ["--env-file", str(named), "sandbox", "namespace"])
    assert result.exit_code == 0
    assert result.stdout == "dev-from-file\n"


def test_json_logs_are_one_object_per_line_with_the_structured_fields(capsys):
    configure_logging("INFO", "json")
    extra = {"event": "case_pushed", "run_id": 7, "case_id": "CM-1", "written": 3}
    logging.getLogger("adapter.sync.push").info("case CM-1: written", extra=extra)
    logging.getLogger("adapter.sync.push").debug("not at INFO")
    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert record["level"] == "INFO"
    assert record["logger"] == "adapter.sync.push"
    assert record["message"] == "case CM-1: written"
    assert {k: record[k] for k in extra} == extra
    assert record["timestamp"][:4].isdigit()


def test_text_logs_name_level_and_logger(capsys):
    configure_logging("WARNING", "text")
    logging.getLogger("adapter.sync.pull").info("quiet")
    logging.getLogger("adapter.sync.pull").warning("the server went back in time")
    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith("WARNING adapter.sync.pull: the server went back in time")


def test_other_libraries_stay_silent(capsys):
    configure_logging("DEBUG", "text")
    logging.getLogger("httpx").info("HTTP Request: GET https://x/Patient?identifier=123")
    assert capsys.readouterr().err == ""


def test_a_bad_log_format_is_a_config_error(monkeypatch):
    monkeypatch.setenv("ADAPTER_LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="log_format"):
        load_settings()
