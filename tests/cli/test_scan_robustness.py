"""Large, broken and oddly encoded diffs: the scan completes and reports what it can."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import CliRunner, new_file_diff, run_console

RUST = (
    "pub fn load(path: &str) -> String {\n"
    "    std::fs::read_to_string(path).unwrap()\n"
    "}\n"
    "\n"
    "pub fn pick(v: &[u8], i: usize) -> u8 {\n"
    "    v[i]\n"
    "}\n"
)
_LINES = RUST.splitlines()
RUST_FINDINGS = [
    (2, _LINES[1].index(".unwrap()") + 1, "unwrap-used"),
    (6, _LINES[5].index("v[i]") + 1, "index-or-slice"),
]

BROKEN_HUNK = (
    "diff --git a/src/a.rs b/src/a.rs\n"
    "--- a/src/a.rs\n"
    "+++ b/src/a.rs\n"
    "@@ -1,2 +1,9 @@\n"
    " fn a() {\n"
    "+    x.unwrap();\n"
    "this line is not part of any hunk\n"
)


def _positions(run_findings: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(f["line"], f["column"], f["rule"]) for f in run_findings]


def test_five_thousand_line_added_file_completes(tmp_path: Path) -> None:
    body = ["pub fn big(x: Option<u32>) -> u32 {"]
    body += [
        f"    let v{i} = x.unwrap();" if i % 10 == 0 else f"    let v{i} = {i};"
        for i in range(5000)
    ]
    body += ["    0", "}"]
    diff = tmp_path / "big.diff"
    diff.write_text(new_file_diff("src/big.rs", "\n".join(body) + "\n"))

    run = run_console(["scan", "--diff", diff, "--format", "json"])

    assert run.code == 1, run.err
    findings = run.findings()
    assert len(findings) == 500
    assert [f["line"] for f in findings] == [2 + i for i in range(0, 5000, 10)]
    assert run.json()["stats"]["changed_lines"] == 5003
    assert len({f["fingerprint"] for f in findings}) == 500


def test_broken_hunk_in_one_file_keeps_the_other_files_findings(
    cli: CliRunner, tmp_path: Path
) -> None:
    diff = tmp_path / "mixed.diff"
    diff.write_text(
        new_file_diff("src/before.rs", RUST) + BROKEN_HUNK + new_file_diff("src/after.rs", RUST)
    )

    run = cli("scan", "--diff", diff, "--format", "json")

    assert run.code == 1
    assert "Traceback" not in run.err
    paths = [f["path"] for f in run.findings()]
    assert paths == ["src/after.rs", "src/after.rs", "src/before.rs", "src/before.rs"]
    problems = run.json()["problems"]
    assert any(p["path"] == "src/a.rs" for p in problems), problems


def test_broken_hunk_is_reported_in_text_output(cli: CliRunner, tmp_path: Path) -> None:
    diff = tmp_path / "mixed.diff"
    diff.write_text(BROKEN_HUNK + new_file_diff("src/ok.rs", RUST))

    run = cli("scan", "--diff", diff, "--format", "text")

    assert run.code == 1
    assert "src/ok.rs:2:34: error[unwrap-used]" in run.out
    assert any(line.startswith("src/a.rs: note: ") for line in run.out.splitlines())


def test_non_utf8_bytes_in_a_diff_are_replaced_not_fatal(cli: CliRunner, tmp_path: Path) -> None:
    diff = tmp_path / "latin1.diff"
    diff.write_bytes(
        new_file_diff("src/latin.rs", "pub fn f(s: &str) -> u8 {\n    LINE\n}\n")
        .encode()
        .replace(b"LINE", b'let _ = "caf\xe9 \xff\xfe"; s.parse::<u8>().unwrap()')
    )

    run = cli("scan", "--diff", diff, "--format", "json")

    assert run.code == 1
    [finding] = run.findings()
    assert (finding["path"], finding["line"], finding["rule"]) == ("src/latin.rs", 2, "unwrap-used")
    # Each undecodable byte becomes one U+FFFD, so columns count characters of that text.
    decoded = '    let _ = "caf\ufffd \ufffd\ufffd"; s.parse::<u8>().unwrap()'
    assert finding["column"] == decoded.index(".unwrap()") + 1


def test_non_utf8_bytes_in_the_head_file_are_not_fatal(cli: CliRunner, tmp_path: Path) -> None:
    head = tmp_path / "head" / "src"
    head.mkdir(parents=True)
    source = RUST.encode().replace(b"pub fn pick", b"// \xff\xfe\npub fn pick")
    (head / "lib.rs").write_bytes(source)
    diff = tmp_path / "d.diff"
    diff.write_bytes(new_file_diff("src/lib.rs", source.decode("utf-8", "replace")).encode())

    run = cli("scan", "--diff", diff, "--root", tmp_path / "head", "--format", "json")

    assert run.code == 1
    assert [(f["line"], f["rule"]) for f in run.findings()] == [
        (2, "unwrap-used"),
        (7, "index-or-slice"),
    ]


def test_crlf_diff_gives_the_same_findings_as_lf(cli: CliRunner, tmp_path: Path) -> None:
    lf = tmp_path / "lf.diff"
    lf.write_bytes(new_file_diff("src/lib.rs", RUST).encode())
    crlf = tmp_path / "crlf.diff"
    crlf.write_bytes(new_file_diff("src/lib.rs", RUST, newline="\r\n").encode())

    lf_run = cli("scan", "--diff", lf, "--format", "json")
    crlf_run = cli("scan", "--diff", crlf, "--format", "json")

    assert lf_run.code == crlf_run.code == 1
    assert _positions(lf_run.findings()) == RUST_FINDINGS
    assert _positions(crlf_run.findings()) == RUST_FINDINGS
    assert all("\r" not in f["message"] for f in crlf_run.findings())
    assert all(f["path"] == "src/lib.rs" for f in crlf_run.findings())


def test_crlf_diff_with_crlf_head_file_keeps_positions(cli: CliRunner, tmp_path: Path) -> None:
    head = tmp_path / "head" / "src"
    head.mkdir(parents=True)
    (head / "lib.rs").write_bytes(RUST.replace("\n", "\r\n").encode())
    diff = tmp_path / "crlf.diff"
    diff.write_bytes(new_file_diff("src/lib.rs", RUST, newline="\r\n").encode())

    run = cli("scan", "--diff", diff, "--root", tmp_path / "head", "--format", "json")

    assert run.code == 1
    assert _positions(run.findings()) == RUST_FINDINGS
    assert {f["context"] for f in run.findings()} == {"full"}


def test_non_ascii_path_on_an_ascii_stdout_still_prints_utf8(tmp_path: Path) -> None:
    diff = tmp_path / "accent.diff"
    diff.write_bytes(new_file_diff("src/café.rs", RUST).encode())

    run = run_console(
        ["scan", "--diff", diff, "--format", "json"], env={"PYTHONIOENCODING": "ascii"}
    )

    assert "Traceback" not in run.err
    assert run.code == 1
    assert {f["path"] for f in run.findings()} == {"src/café.rs"}


def test_a_fifo_named_like_a_changed_file_is_not_read(cli: CliRunner, tmp_path: Path) -> None:
    import os

    root = tmp_path / "head"
    (root / "src").mkdir(parents=True)
    os.mkfifo(root / "src" / "lib.rs")
    diff = tmp_path / "pr.diff"
    diff.write_text(
        new_file_diff("src/lib.rs", "pub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n")
    )
    run = cli("scan", "--diff", diff, "--root", root, "--format", "json")
    assert run.code == 1
    assert [f["context"] for f in run.findings()] == ["partial"]
