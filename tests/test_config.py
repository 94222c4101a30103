"""Config loading: every wrong config gets one line naming the file, key path and problem."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from earmark.cli import cli
from earmark.cli.configfile import load_config, parse_config
from earmark.configload import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def error_of(tmp_path, text: str) -> str:
    path = tmp_path / "earmark.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    return str(error.value).replace(str(path), "earmark.yaml")


def test_example_config_is_valid_and_shipped_identically():
    config = load_config(ROOT / "config.example.yaml")
    assert [t.name for t in config.topics] == ["acme", "acmehelp", "globex"]
    assert config.notify.email.sender == "care@acme.example"
    shipped = resources.files("earmark").joinpath("data/config.example.yaml").read_text("utf-8")
    assert shipped == (ROOT / "config.example.yaml").read_text("utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "topics:\n  - name: a\n    knd: brand\n    terms: [x]\n",
            "earmark.yaml: topics[0].knd: unknown key (did you mean 'kind'?)",
        ),
        (
            "topics:\n  - name: a\n    kind: rival\n    terms: [x]\n",
            "earmark.yaml: topics[0].kind: must be one of brand, competitor, support, not 'rival'",
        ),
        (
            "topics:\n  - name: a\n",
            "earmark.yaml: topics[0].terms: give at least one term (or a query)",
        ),
        ("topics:\n  - kind: brand\n", "earmark.yaml: topics[0]: missing required key 'name'"),
        (
            "agents:\n  - name: al\n    capacity: lots\n",
            "earmark.yaml: agents[0].capacity: must be an integer, not 'lots'",
        ),
        (
            "queues:\n  - name: q\n    sla: soon\n",
            "earmark.yaml: queues[0].sla: invalid duration 'soon': use a number and a unit, "
            "e.g. 15m, 2h, 1d",
        ),
        (
            "queues:\n  - name: q\n    strategy: random\n",
            "earmark.yaml: queues[0].strategy: must be one of least_loaded, round_robin, "
            "manual, not 'random'",
        ),
        (
            "queues: [{name: q}]\nagents:\n  - {name: al, queues: [nope]}\n",
            "earmark.yaml: agents[0].queues: unknown queue 'nope'",
        ),
        (
            "queues:\n  - {name: q, match: {intents: [rant]}}\n",
            "earmark.yaml: queues[0].match.intents: unknown intent 'rant'",
        ),
        ("databse: x.db\n", "earmark.yaml: databse: unknown key (did you mean 'database'?)"),
        ("- just\n- a list\n", "earmark.yaml: the top level must be a mapping of keys"),
        (
            "topics: [\n",
            "earmark.yaml: invalid YAML at line 2, column 1: expected the node content, "
            "but found '<stream end>'",
        ),
        (
            "notify:\n  slack: {webhook: 'https://hooks.slack.com/services/T/B/x'}\n",
            "earmark.yaml: notify.slack.webhook: secrets must not be written in the config "
            "file; put the value in an environment variable and name it with "
            "webhook_env: VARIABLE_NAME",
        ),
        (
            "notify:\n  email: {password: hunter2}\n",
            "earmark.yaml: notify.email.password: secrets must not be written in the config "
            "file; put the value in an environment variable and name it with "
            "password_env: VARIABLE_NAME",
        ),
        (
            "sources:\n  hackrnews: {}\n",
            "earmark.yaml: sources.hackrnews: unknown source (did you mean 'hackernews'?); "
            "known: file, hackernews, rss, telegram, stackexchange, mastodon, reddit, bluesky, x",
        ),
    ],
)
def test_config_errors_are_one_exact_line(tmp_path, text, message):
    assert error_of(tmp_path, text) == message


def test_missing_config_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "nope.yaml")
    assert str(error.value) == (
        f"{tmp_path / 'nope.yaml'}: config file not found (create one with `earmark init`)"
    )


def test_empty_config_is_valid():
    config = parse_config(None)
    assert config.topics == [] and config.sources == {}


def test_cli_reports_config_error_and_exits_1_before_running(tmp_path):
    path = tmp_path / "earmark.yaml"
    path.write_text("topics:\n  - name: a\n    knd: brand\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(path), "--db", str(tmp_path / "e.db"), "config"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}: topics[0].knd: unknown key (did you mean 'kind'?)\n"
    assert not (tmp_path / "e.db").exists()


def test_init_writes_starter_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "earmark.yaml"
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert load_config(target).topics
    result = runner.invoke(cli, ["init", str(target)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target} already exists; not overwriting it\n"


def test_config_command_shows_secret_status_never_values(tmp_path):
    path = tmp_path / "earmark.yaml"
    path.write_text("database: my.db\nnotify:\n  slack: {webhook_env: MY_HOOK}\n", encoding="utf-8")
    result = CliRunner(env={"MY_HOOK": "https://hooks.example/secret-value"}).invoke(
        cli, ["config", "-c", str(path), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert '"webhook_env": "MY_HOOK (set)"' in result.stdout
    assert "secret-value" not in result.stdout + result.stderr
    # A relative database path is relative to the config file, so cron's cwd does not matter.
    assert f'"database": "{tmp_path / "my.db"}"' in result.stdout


def test_query_syntax_error_points_at_the_column(tmp_path):
    message = error_of(tmp_path, 'topics:\n  - name: a\n    query: "(acme OR globex"\n')
    assert message == (
        "earmark.yaml: topics[0].query: topic 'a': query error at column 16: expected ')'\n"
        "  (acme OR globex\n"
        "                 ^"
    )
