import json
import logging
import sys

import pytest

from bot.service.logs import JsonFormatter, TextFormatter, configure_logging


def _record(**extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {
            "name": "panicscan.test",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "review of %s failed",
            "args": ("octo/repo#2",),
        }
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_formatter_puts_bound_context_in_keys() -> None:
    line = JsonFormatter().format(_record(delivery_id="d-1", repo="octo/repo", pr=2, event=None))
    entry = json.loads(line)
    assert entry["message"] == "review of octo/repo#2 failed"
    assert entry["level"] == "warning"
    assert entry["logger"] == "panicscan.test"
    assert (entry["delivery_id"], entry["repo"], entry["pr"]) == ("d-1", "octo/repo", 2)
    assert "event" not in entry  # None-valued context is left out


def test_json_formatter_keeps_a_traceback_on_one_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = _record()
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "RuntimeError: boom" in json.loads(line)["exc"]


def test_text_formatter_appends_context_to_the_message_line() -> None:
    line = TextFormatter().format(_record(delivery_id="d-1", pr=2))
    assert line.endswith("review of octo/repo#2 failed [delivery_id=d-1 pr=2]")


def test_configure_logging_replaces_its_own_handler_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    old_level = root.level
    try:
        configure_logging("text", "INFO")
        configure_logging("json", "debug")
        ours = [h for h in root.handlers if h not in before]
        assert len(ours) == 1
        assert isinstance(ours[0].formatter, JsonFormatter)
        assert root.level == logging.DEBUG
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        root.setLevel(old_level)


def test_configure_logging_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match="text or json"):
        configure_logging("xml", "INFO")
