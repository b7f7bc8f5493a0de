"""The README stays true: the two commands come first and every CLI command it shows exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from api.cli import build_parser, normalize_argv

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_two_commands_come_first() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    lines = [ln.split("#")[0].strip() for ln in first_block.group(1).splitlines()]
    assert lines[:2] == ["make run", "make test"]


def test_every_cli_example_parses() -> None:
    parser = build_parser()
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", README, re.S))
    examples = [ln.split("#")[0].strip() for ln in blocks.splitlines()
                if ln.startswith("healthrag ")]
    assert len(examples) >= 8
    for line in examples:
        for alt in line.split(" | "):
            argv = shlex.split(re.sub(r"\[[^\]]*\]", "", alt))[1:]
            argv = [a for a in argv if a != "..."]
            parser.parse_args(normalize_argv(argv))


def test_benchmark_results_are_filled_in() -> None:
    assert "RESULTS_PLACEHOLDER" not in README
