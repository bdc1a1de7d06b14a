"""Configuration: embedded defaults, a validated file, overrides; bad files are clear errors."""

from __future__ import annotations

import pytest

from cleaner.config import DEFAULTS, ConfigError, load_config


def test_defaults_are_valid_and_complete() -> None:
    assert load_config() == DEFAULTS


def test_file_overrides_defaults_and_paths_are_relative_to_it(tmp_path) -> None:
    (tmp_path / "conf.yaml").write_text("score: false\nrules: [packs/site.yaml]\ndedup: {threshold: 0.9}\n")
    config = load_config(tmp_path / "conf.yaml", workers=2)
    assert config["score"] is False and config["workers"] == 2
    assert config["rules"] == [str(tmp_path / "packs" / "site.yaml")]
    assert config["dedup"]["threshold"] == 0.9 and config["dedup"]["num_perm"] == 128


def test_unknown_key_is_rejected_with_its_name(tmp_path) -> None:
    (tmp_path / "conf.yaml").write_text("scoer: true\n")
    with pytest.raises(ConfigError, match="scoer"):
        load_config(tmp_path / "conf.yaml")
