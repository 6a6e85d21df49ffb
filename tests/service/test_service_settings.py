import pytest

from bot.errors import ConfigError
from bot.service.settings import DEFAULT_MAX_BODY_BYTES, Settings

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----\n"
SECRET = "s3cr3t-webhook-value"
MINIMAL = {
    "PANICSCAN_APP_ID": "12345",
    "PANICSCAN_PRIVATE_KEY": PEM,
    "PANICSCAN_WEBHOOK_SECRET": SECRET,
}


def test_minimal_env_gives_documented_defaults() -> None:
    s = Settings.from_env(MINIMAL)
    assert s.app_id == 12345
    assert s.private_key == PEM
    assert s.private_key_file is None
    assert s.webhook_secret == SECRET
    assert s.github_url == "https://api.github.com"
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8080, 2)
    assert s.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 25 * 1024 * 1024
    assert (s.log_format, s.log_level) == ("text", "INFO")
    assert (s.worker_processes, s.worker_nice) == (1, 10)


def test_every_variable_is_read() -> None:
    env = {
        "PANICSCAN_APP_ID": "7",
        "PANICSCAN_PRIVATE_KEY_FILE": "/run/secrets/key.pem",
        "PANICSCAN_WEBHOOK_SECRET": SECRET,
        "PANICSCAN_GITHUB_URL": "http://127.0.0.1:9999/",
        "PANICSCAN_HOST": "0.0.0.0",
        "PANICSCAN_PORT": "9000",
        "PANICSCAN_WORKERS": "8",
        "PANICSCAN_WORKER_PROCESSES": "0",
        "PANICSCAN_WORKER_NICE": "19",
        "PANICSCAN_MAX_BODY_BYTES": "1024",
        "PANICSCAN_SHUTDOWN_TIMEOUT": "2.5",
        "PANICSCAN_LOG_FORMAT": "JSON",
        "PANICSCAN_LOG_LEVEL": "debug",
    }
    s = Settings.from_env(env)
    assert s.private_key is None
    assert s.private_key_file == "/run/secrets/key.pem"
    assert s.github_url == "http://127.0.0.1:9999"
    assert (s.host, s.port, s.workers, s.max_body_bytes) == ("0.0.0.0", 9000, 8, 1024)
    assert s.shutdown_timeout == 2.5
    assert (s.log_format, s.log_level) == ("json", "DEBUG")
    assert (s.worker_processes, s.worker_nice) == (0, 19)


def test_key_flattened_with_literal_backslash_n_is_restored() -> None:
    s = Settings.from_env({**MINIMAL, "PANICSCAN_PRIVATE_KEY": PEM.replace("\n", "\\n")})
    assert s.private_key == PEM


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"PANICSCAN_APP_ID": None}, "PANICSCAN_APP_ID"),
        ({"PANICSCAN_APP_ID": "twelve"}, "PANICSCAN_APP_ID"),
        ({"PANICSCAN_APP_ID": "0"}, "PANICSCAN_APP_ID"),
        ({"PANICSCAN_WEBHOOK_SECRET": None}, "PANICSCAN_WEBHOOK_SECRET"),
        ({"PANICSCAN_WEBHOOK_SECRET": "   "}, "PANICSCAN_WEBHOOK_SECRET"),
        ({"PANICSCAN_PRIVATE_KEY": None}, "PANICSCAN_PRIVATE_KEY"),
        ({"PANICSCAN_PRIVATE_KEY": "not a pem"}, "PANICSCAN_PRIVATE_KEY"),
        ({"PANICSCAN_PRIVATE_KEY_FILE": "/k.pem"}, "PANICSCAN_PRIVATE_KEY_FILE"),
        ({"PANICSCAN_PORT": "65536"}, "PANICSCAN_PORT"),
        ({"PANICSCAN_PORT": "80a"}, "PANICSCAN_PORT"),
        ({"PANICSCAN_WORKERS": "0"}, "PANICSCAN_WORKERS"),
        ({"PANICSCAN_WORKER_PROCESSES": "-1"}, "PANICSCAN_WORKER_PROCESSES"),
        ({"PANICSCAN_WORKER_NICE": "20"}, "PANICSCAN_WORKER_NICE"),
        ({"PANICSCAN_MAX_BODY_BYTES": "-1"}, "PANICSCAN_MAX_BODY_BYTES"),
        ({"PANICSCAN_SHUTDOWN_TIMEOUT": "nan"}, "PANICSCAN_SHUTDOWN_TIMEOUT"),
        ({"PANICSCAN_GITHUB_URL": "api.github.com"}, "PANICSCAN_GITHUB_URL"),
        ({"PANICSCAN_LOG_FORMAT": "xml"}, "PANICSCAN_LOG_FORMAT"),
        ({"PANICSCAN_LOG_LEVEL": "LOUD"}, "PANICSCAN_LOG_LEVEL"),
    ],
)
def test_missing_or_bad_value_names_the_variable(
    overrides: dict[str, str | None], variable: str
) -> None:
    env = {**MINIMAL, **overrides}
    env = {k: v for k, v in env.items() if v is not None}
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(env)


def test_bad_key_error_does_not_echo_the_value() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({**MINIMAL, "PANICSCAN_PRIVATE_KEY": "MIIsecretkeymaterial"})
    assert "MIIsecretkeymaterial" not in str(info.value)


def test_webhook_secret_is_kept_byte_exact() -> None:
    s = Settings.from_env({**MINIMAL, "PANICSCAN_WEBHOOK_SECRET": " padded secret "})
    assert s.webhook_secret_bytes == b" padded secret "


def test_repr_and_str_never_show_secret_or_key() -> None:
    s = Settings.from_env(MINIMAL)
    for text in (repr(s), str(s), f"{s}", repr([s])):
        assert SECRET not in text
        assert "PRIVATE KEY" not in text
        assert "MIIBOgIBAAJBAKj34GkxFhD9" not in text
        assert "app_id=12345" in text
        assert "webhook_secret='***'" in text
