"""Settings come from the environment; a value that cannot mean anything stops the process, named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.settings import PROJECT_ROOT, InvalidSetting, Settings


def test_numbers_are_read_and_blank_means_the_default(tmp_path):
    settings = Settings.from_env({"PORT": "9001", "TOKEN_TTL_SECONDS": "", "DATA_DIR": str(tmp_path)})
    assert settings.port == 9001
    assert settings.token_ttl_seconds == Settings().token_ttl_seconds


def test_a_malformed_number_names_the_variable(tmp_path):
    with pytest.raises(InvalidSetting, match="TOKEN_TTL_SECONDS must be a whole number, not '7d'"):
        Settings.from_env({"TOKEN_TTL_SECONDS": "7d", "DATA_DIR": str(tmp_path)})


def test_the_command_refuses_to_start_with_a_clear_message(tmp_path):
    env = {**os.environ, "PORT": "eighty", "DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "app", "serve"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "Configuration error: PORT must be a whole number, not 'eighty'"


def test_checkout_admission_is_read_and_a_bound_below_one_is_refused(tmp_path):
    settings = Settings.from_env({"CHECKOUT_CONCURRENCY": "2", "CHECKOUT_QUEUE": "0", "DATA_DIR": str(tmp_path)})
    assert (settings.checkout_concurrency, settings.checkout_queue) == (2, 0)
    assert settings.checkout_wait_seconds == Settings().checkout_wait_seconds
    with pytest.raises(InvalidSetting, match="CHECKOUT_CONCURRENCY must be at least 1, not 0"):
        Settings.from_env({"CHECKOUT_CONCURRENCY": "0", "DATA_DIR": str(tmp_path)})
