"""Issue #22 items 5 and 6: every bad configuration value, plan or unit registry is refused, with exit 2 and
a message naming file, entry and field, by `config/plan/units validate`, `db init` and `nightly`, and
nothing is written (no database, no log, no run row).

Each case starts from the shipped chuyenmuc.toml, plans/daklak-2021.toml or units/daklak.toml and
changes one thing. The commands run in-process through `pipeline.cli.main` (the same code path as
the `chuyenmuc` script; a few cases also run as a real subprocess). `nightly` gets a proxy on a closed
port of 127.0.0.1 and skips every stage, so even a regression could not send traffic anywhere.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.cli import main as cli_main
from registry import ValidationError, load_units
from registry.config import load_config
from registry.hosts import host_problem, url_problem
from tests.conftest import PLAN, ROOT, UNITS

CONFIG = ROOT / "chuyenmuc.toml"
NIGHTLY_SAFE = ["--proxy", "http://127.0.0.1:9", "--as-of", "2022-12-30",
                *[x for s in ("crawl", "extract", "tag", "views", "weekly") for x in ("--skip", s)]]


def _config_text(tmp: Path, body: str | None = None) -> str:
    """The shipped config, with its paths moved into tmp so that nothing outside tmp could be written."""
    text = body if body is not None else CONFIG.read_text(encoding="utf-8")
    paths = (f'db = "{tmp / "cm.duckdb"}"\nplan = "{PLAN}"\nunits = "{UNITS}"\nreports = "{tmp / "reports"}"\n'
             f'logs = "{tmp / "logs"}"\nmodel = "{tmp / "models" / "themes.joblib"}"\n')
    return re.sub(r"\[paths\]\n(?:[^\[]*\n)?(?=\n\[)", "[paths]\n" + paths, text, count=1)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli_main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def _assert_refused(code: int, err: str, path: Path, entry: str, field: str, words: str) -> None:
    assert code == 2, err
    assert str(path) in err, err
    assert f"entry {entry}" in err, err
    assert f"field '{field}'" in err, err
    assert words in err, err


def _assert_wrote_nothing(tmp: Path, expected: set[str]) -> None:
    assert {p.name for p in tmp.iterdir()} == expected, "a rejected file must not lead to any write"


# --- item 5: configuration ------------------------------------------------------------------------

CONFIG_CASES = {  # name: (old line -> new line, or an added line under [crawl]), entry, field, words
    "concurrent 0": (("concurrent_per_site = 2", "concurrent_per_site = 0"), "[crawl]", "concurrent_per_site", "greater than or equal to 1"),
    "concurrent -1": (("concurrent_per_site = 2", "concurrent_per_site = -1"), "[crawl]", "concurrent_per_site", "greater than or equal to 1"),
    "concurrent two": (("concurrent_per_site = 2", 'concurrent_per_site = "two"'), "[crawl]", "concurrent_per_site", "must be an integer, got 'two'"),
    "concurrent 2.5": (("concurrent_per_site = 2", "concurrent_per_site = 2.5"), "[crawl]", "concurrent_per_site", "must be an integer"),
    "timeout 20s": (("timeout = 20", 'timeout = "20s"'), "[crawl]", "timeout", "must be a number, got '20s'"),
    "timeout 0": (("timeout = 20", "timeout = 0"), "[crawl]", "timeout", "greater than 0"),
    "timeout true": (("timeout = 20", "timeout = true"), "[crawl]", "timeout", "must be a number"),
    "timeout inf": (("timeout = 20", "timeout = inf"), "[crawl]", "timeout", "finite"),
    "weekday monday": (("weekly_weekday = 1", 'weekly_weekday = "monday"'), "[report]", "weekly_weekday", "must be an integer, got 'monday'"),
    "weekday 0": (("weekly_weekday = 1", "weekly_weekday = 0"), "[report]", "weekly_weekday", "greater than or equal to 1"),
    "weekday 8": (("weekly_weekday = 1", "weekly_weekday = 8"), "[report]", "weekly_weekday", "less than or equal to 7"),
    "max_depth -100": (("max_depth = 5", "max_depth = -100"), "[crawl]", "max_depth", "greater than or equal to 0"),
    "download_delay -1": (("download_delay = 0.25", "download_delay = -1"), "[crawl]", "download_delay", "greater than or equal to 0"),
    "download_maxsize 0": (("download_maxsize = 8000000", "download_maxsize = 0"), "[crawl]", "download_maxsize", "greater than 0"),
    "user_agent empty": (('user_agent = "chuyenmuc/0.1 (+{contact_url}; provincial media monitor)"', 'user_agent = "  "'),
                         "[crawl]", "user_agent", "non-empty"),
    "misspelt key": (("concurrent_per_site = 2", "concurent_per_site = 2"), "[crawl]", "concurent_per_site",
                     "allowed keys: article_maxsize, autothrottle_target, concurrent_per_site"),
    "misspelt section": (("[status]", "[statuses]"), "(config)", "statuses", "allowed keys: crawl, paths, report, status"),
    "dormant ninety": (("dormant_days = 90", 'dormant_days = "ninety"'), "[status]", "dormant_days", "must be an integer, got 'ninety'"),
    "dormant 0": (("dormant_days = 90", "dormant_days = 0"), "[status]", "dormant_days", "greater than or equal to 1"),
    "retries -1": (("retries = 2", "retries = -1"), "[crawl]", "retries", "greater than or equal to 0"),
    "proxy not a url": (('proxy = ""', 'proxy = "127.0.0.1:8765"'), "[crawl]", "proxy", "not an http(s) URL"),
}


@pytest.fixture
def clean_env(monkeypatch):
    for var in ("CHUYENMUC_DB", "CHUYENMUC_CONFIG"):
        monkeypatch.delenv(var, raising=False)


def test_shipped_config_is_valid_and_complete(clean_env) -> None:
    cfg = load_config(CONFIG)
    assert cfg.section("crawl")["concurrent_per_site"] >= 1 and cfg.section("report")["weekly_weekday"] in range(1, 8)
    assert isinstance(cfg.section("crawl")["timeout"], float)


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
@pytest.mark.parametrize("command", ["config validate", "db init", "nightly"])
def test_bad_config_is_refused_before_the_database(case, command, tmp_path, capsys, clean_env) -> None:
    (old, new), entry, field, words = CONFIG_CASES[case]
    text = _config_text(tmp_path)
    assert old in text
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(text.replace(old, new, 1), encoding="utf-8")
    argv = {"config validate": ["config", "validate", str(cfg)],
            "db init": ["db", "init", "--config", str(cfg)],
            "nightly": ["nightly", "--config", str(cfg), *NIGHTLY_SAFE]}[command]
    code, _, err = _run(argv, capsys)
    _assert_refused(code, err, cfg, entry, field, words)
    _assert_wrote_nothing(tmp_path, {"chuyenmuc.toml"})


OTHER_COMMANDS = {
    "crawl": ["crawl", "--proxy", "http://127.0.0.1:9"],
    "extract": ["extract"],
    "tag": ["tag"],
    "report weekly": ["report", "weekly", "--week", "2022-W52"],
    "report annual": ["report", "annual", "--year", "2022"],
    "export": ["export", "column_status", "--format", "csv"],
    "db check": ["db", "check"],
    "label export": ["label", "export", "--uncertain", "5"],
}


@pytest.mark.parametrize("name", sorted(OTHER_COMMANDS))
def test_every_command_checks_the_data_files_before_the_database(name, tmp_path, capsys, clean_env) -> None:
    """Not only validate/db init/nightly: every command that reads the data files refuses a bad one first."""
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(_config_text(tmp_path).replace("timeout = 20", 'timeout = "20s"'), encoding="utf-8")
    argv = [*OTHER_COMMANDS[name], "--config", str(cfg)]
    code, _, err = _run(argv, capsys)
    _assert_refused(code, err, cfg, "[crawl]", "timeout", "must be a number")
    _assert_wrote_nothing(tmp_path, {"chuyenmuc.toml"})


def test_the_unchanged_config_passes_the_same_commands(tmp_path, capsys, clean_env) -> None:
    """The control: the same commands with the shipped values succeed (so the refusals above are the values')."""
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(_config_text(tmp_path), encoding="utf-8")
    assert _run(["config", "validate", str(cfg)], capsys)[0] == 0
    code, out, err = _run(["db", "init", "--config", str(cfg)], capsys)
    assert code == 0, err
    assert (tmp_path / "cm.duckdb").is_file()


def test_config_error_from_a_real_subprocess(tmp_path, cli) -> None:
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(_config_text(tmp_path).replace("timeout = 20", 'timeout = "20s"'), encoding="utf-8")
    r = cli("nightly", "--config", str(cfg), *NIGHTLY_SAFE)
    assert r.code == 2 and "Traceback" not in r.err
    assert f"{cfg}: entry [crawl]: field 'timeout': must be a number, got '20s'" in r.err
    _assert_wrote_nothing(tmp_path, {"chuyenmuc.toml"})


def test_every_config_problem_is_named_at_once(tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[crawl]\nconcurrent_per_site = 0\ntimeout = "20s"\nuser_agnet = "x"\n[report]\nweekly_weekday = 9\n',
                   encoding="utf-8")
    with pytest.raises(ValidationError) as ei:
        load_config(cfg)
    fields = {(e, f) for e, f, _ in ei.value.problems}
    assert fields == {("[crawl]", "concurrent_per_site"), ("[crawl]", "timeout"), ("[crawl]", "user_agnet"),
                      ("[report]", "weekly_weekday")}


# --- item 6: plans --------------------------------------------------------------------------------

PLAN_CASES = {
    "duplicate period_id": (('period_id = "2022-on"', 'period_id = "2021"'),
                            "periods[1] (period_id=2021)", "period_id", "duplicate period_id '2021'"),
    "duplicate column pattern": (('"nghị quyết đại hội ... đảng",\n]', '"nghị quyết đại hội ... đảng",\n  "Nghị quyết Đại hội ... Đảng",\n]'),
                                 "column_patterns[7] ('Nghị quyết Đại hội ... Đảng')", "column_patterns", "duplicate of column_patterns[6]"),
    "theme twice in a period": (('themes = ["socioeconomic-goals", "exemplary-models"', 'themes = ["socioeconomic-goals", "exemplary-models", "socioeconomic-goals"'),
                                "periods[1] (period_id=2022-on)", "themes", "'socioeconomic-goals' is listed twice"),
    "pattern matches everything": (('"nghị quyết đại hội ... đảng",\n]', '"nghị quyết đại hội ... đảng",\n  "...",\n]'),
                                   "column_patterns[7] ('...')", "column_patterns", "matches every category name"),
    "pattern of punctuation": (('"nghị quyết đại hội ... đảng",\n]', '"nghị quyết đại hội ... đảng",\n  " - ... ",\n]'),
                               "column_patterns[7] (' - ... ')", "column_patterns", "matches every category name"),
    "pattern of one word": (('"nghị quyết đại hội ... đảng",\n]', '"nghị quyết đại hội ... đảng",\n  "tin ...",\n]'),
                            "column_patterns[7] ('tin ...')", "column_patterns", "too broad"),
    "unknown plan key": (("report_deadline = ", "columns_patterns = []\nreport_deadline = "), "(plan)", "columns_patterns",
                         "allowed keys: column_patterns"),
    "unknown theme key": (('id = "covid-prevention"', 'id = "covid-prevention"\nseed_term = ["x"]'),
                          "themes[11] (id=covid-prevention)", "seed_term", "allowed keys: description, id, seed_terms, title"),
    "obligation kind unknown": (('kinds = ["district"]', 'kinds = ["districts"]'), "obligations.district_plan", "kinds", "unknown kind 'districts'"),
    "obligation for nobody": (('kinds = ["district"]', "kinds = []"), "obligations.district_plan", "kinds", "applies to nobody"),
    "period themes a string": (('themes = ["socioeconomic-goals", "exemplary-models", "covid-prevention", "ideology-defense"]',
                                'themes = "socioeconomic-goals"'), "periods[1] (period_id=2022-on)", "themes", "must be a list"),
}


@pytest.mark.parametrize("case", sorted(PLAN_CASES))
@pytest.mark.parametrize("command", ["plan validate", "db init", "nightly"])
def test_bad_plan_is_refused_before_the_database(case, command, tmp_path, capsys, clean_env) -> None:
    (old, new), entry, field, words = PLAN_CASES[case]
    text = PLAN.read_text(encoding="utf-8")
    assert old in text
    plan = tmp_path / "plan.toml"
    plan.write_text(text.replace(old, new, 1), encoding="utf-8")
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(_config_text(tmp_path), encoding="utf-8")
    argv = {"plan validate": ["plan", "validate", str(plan)],
            "db init": ["db", "init", "--config", str(cfg), "--plan", str(plan)],
            "nightly": ["nightly", "--config", str(cfg), "--plan", str(plan), *NIGHTLY_SAFE]}[command]
    code, _, err = _run(argv, capsys)
    _assert_refused(code, err, plan, entry, field, words)
    _assert_wrote_nothing(tmp_path, {"plan.toml", "chuyenmuc.toml"})


# --- item 6: unit registries ------------------------------------------------------------------------

def _unit(uid: str, site: str | None = None, **extra: str) -> str:
    lines = [f'\n[[units]]\nunit_id = "{uid}"\nname = "Đơn vị {uid}"\nkind = "department"\nvalid_from = 2021-01-01']
    lines += [f"{k} = {v}" for k, v in extra.items()]
    if site is not None:
        lines += [f'site = "{site}"', "site_verified = false"]
    return "\n".join(lines) + "\n"


SITE_CASES = {
    "private 10.0.0.1": ("http://10.0.0.1/", "a private address"),
    "link-local metadata": ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
    "unspecified 0.0.0.0": ("http://0.0.0.0/", "an unspecified address"),
    "decimal loopback": ("http://2130706433/", "is 127.0.0.1, a loopback address"),
    "hex loopback": ("http://0x7f.0.0.1/", "is 127.0.0.1, a loopback address"),
    "short loopback": ("http://127.1:8080/", "is 127.0.0.1, a loopback address"),
    "octal private": ("http://012.0.0.1/", "is 10.0.0.1, a private address"),
    "mapped ipv6": ("http://[::ffff:10.0.0.1]/", "a private address (IPv4 10.0.0.1 inside IPv6)"),
    "ipv6 loopback": ("http://[::1]/", "a loopback address"),
    "ipv6 unique-local": ("http://[fd00::1]/", "a private address"),
    "loopback": ("http://127.0.0.1/", "a loopback address"),
    "localhost": ("http://localhost/", "single-label"),
    "localhost subdomain": ("http://portal.localhost/", "local-only name (.localhost)"),
    "mdns name": ("http://portal.local/", "local-only name (.local)"),
    "single label": ("http://intranet/", "single-label"),
    "not a dns name": ("http://so_tai_chinh.vn/", "not a valid DNS name"),
    "ftp": ("ftp://stc.daklak.gov.vn/", "not an http(s) URL"),
}
UNIT_CASES = {
    **{f"site {k}": ((None, _unit("so-moi", url)), "units[43] (unit_id=so-moi)", "site", words)
       for k, (url, words) in SITE_CASES.items()},
    "credentials in site": ((None, _unit("so-moi", "http://user:secret@stc2.daklak.gov.vn/")), "units[43] (unit_id=so-moi)", "site",
                            "holds credentials"),
    "credentials in a source": ((None, _unit("so-moi", "https://moi.daklak.gov.vn/") +
                                 '[[units.sources]]\nkind = "feed"\nurl = "https://admin:hunter2@moi.daklak.gov.vn/rss"\nverified = false\n'),
                                "units[43] (unit_id=so-moi) sources[0]", "url", "holds credentials"),
    "successor cycle": ((None, _unit("so-a", successor='"so-b"') + _unit("so-b", successor='"so-a"')),
                        "unit_id=so-a", "successor", "cycle: so-a -> so-b -> so-a"),
    "successor self": ((None, _unit("so-a", successor='"so-a"')), "units[43] (unit_id=so-a)", "successor", "cannot succeed itself"),
    "parent cycle": ((None, _unit("so-a", parent='"so-c"') + _unit("so-b", parent='"so-a"') + _unit("so-c", parent='"so-b"')),
                     "unit_id=so-a", "parent", "cycle: so-a -> so-c -> so-b -> so-a"),
    "plan mismatch": (('plan = "daklak-2021"', 'plan = "daklak-2020"'), "(registry)", "plan",
                      "is 'daklak-2020', but the plan"),
    "unknown unit key": ((None, _unit("so-moi", "https://moi.daklak.gov.vn/", site_verifed="false")), "units[43] (unit_id=so-moi)",
                         "site_verifed", "allowed keys:"),
    "unknown top key": (("registry_id = ", "registry = 1\nregistry_id = "), "(registry)", "registry", "allowed keys: allow_private_hosts"),
    "same site for two units": ((None, _unit("so-moi", "https://yte.daklak.gov.vn/")), "units[43] (unit_id=so-moi)", "site",
                                "already the site of so-y-te"),
    "verified without evidence": ((None, _unit("so-moi", "https://moi.daklak.gov.vn/").replace("site_verified = false", "site_verified = true")),
                                  "units[43] (unit_id=so-moi)", "site_verified", "true without evidence"),
    "source verified without evidence": ((None, _unit("so-moi", "https://moi.daklak.gov.vn/") +
                                          '[[units.sources]]\nkind = "feed"\nurl = "https://moi.daklak.gov.vn/rss"\nverified = true\n'),
                                         "units[43] (unit_id=so-moi) sources[0]", "verified", "true without evidence"),
    "evidence not a url": ((None, _unit("so-moi", "https://moi.daklak.gov.vn/") + 'site_evidence = [{url = "seen-on-the-portal", seen_on = 2024-01-01}]\n'),
                           "units[43] (unit_id=so-moi) site_evidence[0]", "url", "not an http(s) URL"),
    "evidence without a date": ((None, _unit("so-moi", "https://moi.daklak.gov.vn/") + 'site_evidence = [{url = "https://daklak.gov.vn/"}]\n'),
                                "units[43] (unit_id=so-moi) site_evidence[0]", "seen_on", "missing"),
}


def _registry_text(case: str) -> str:
    (old, new), *_ = UNIT_CASES[case]
    text = UNITS.read_text(encoding="utf-8")
    if old is None:
        return text.rstrip("\n") + "\n" + new
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("case", sorted(UNIT_CASES))
@pytest.mark.parametrize("command", ["units validate", "db init", "nightly"])
def test_bad_registry_is_refused_before_the_database(case, command, tmp_path, capsys, clean_env) -> None:
    _, entry, field, words = UNIT_CASES[case]
    units = tmp_path / "units.toml"
    units.write_text(_registry_text(case), encoding="utf-8")
    cfg = tmp_path / "chuyenmuc.toml"
    cfg.write_text(_config_text(tmp_path), encoding="utf-8")
    argv = {"units validate": ["units", "validate", str(units), "--plan", str(PLAN)],
            "db init": ["db", "init", "--config", str(cfg), "--units-file", str(units)],
            "nightly": ["nightly", "--config", str(cfg), "--units-file", str(units), *NIGHTLY_SAFE]}[command]
    code, _, err = _run(argv, capsys)
    _assert_refused(code, err, units, entry, field, words)
    assert "secret" not in err and "hunter2" not in err, "a password in a URL is never echoed"
    _assert_wrote_nothing(tmp_path, {"units.toml", "chuyenmuc.toml"})


def test_registry_error_from_a_real_subprocess(tmp_path, cli) -> None:
    units = tmp_path / "units.toml"
    units.write_text(_registry_text("site decimal loopback"), encoding="utf-8")
    r = cli("units", "validate", str(units))
    assert r.code == 2 and "Traceback" not in r.err
    assert f"{units}: entry units[43] (unit_id=so-moi): field 'site': the IP literal '2130706433' is 127.0.0.1" in r.err


def test_every_registry_problem_is_named_at_once(tmp_path) -> None:
    units = tmp_path / "units.toml"
    units.write_text(_registry_text("site private 10.0.0.1") + _unit("so-a", successor='"so-a"') +
                     _unit("so-b", "http://u:p@b.daklak.gov.vn/"), encoding="utf-8")
    with pytest.raises(ValidationError) as ei:
        load_units(units)
    assert {f for _, f, _ in ei.value.problems} == {"site", "successor"} and len(ei.value.problems) == 3


# --- opting in to a test web on 127.0.0.1 -----------------------------------------------------------

def test_private_hosts_need_an_explicit_opt_in(tmp_path, capsys) -> None:
    text = _registry_text("site loopback")
    units = tmp_path / "units.toml"
    units.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError):
        load_units(units)
    assert load_units(units, allow_private_hosts=True).unit("so-moi").site.host == "127.0.0.1"
    assert _run(["units", "validate", str(units), "--allow-private-hosts"], capsys)[0] == 0
    units.write_text("allow_private_hosts = true\n" + text, encoding="utf-8")
    assert load_units(units).unit("so-moi").site.url == "http://127.0.0.1/"
    # the opt-in never lets credentials through
    units.write_text("allow_private_hosts = true\n" + _registry_text("credentials in site"), encoding="utf-8")
    with pytest.raises(ValidationError, match="holds credentials"):
        load_units(units)


def test_the_shipped_registry_does_not_opt_in() -> None:
    assert "allow_private_hosts" not in UNITS.read_text(encoding="utf-8")
    assert all(host_problem(s.host) is None for u in load_units(UNITS).units for s in u.sources)


@pytest.mark.parametrize("host", ["stc.daklak.gov.vn", "daklak.gov.vn", "baodaklak.vn", "xn--d-4ja.vn", "sở.vn",
                                  "8.8.8.8", "2001:4860:4860::8888", "a.test"])
def test_public_hosts_pass(host) -> None:
    assert host_problem(host) is None


def test_the_url_check_names_no_secret() -> None:
    why = url_problem("https://officer:matkhau123@stc.daklak.gov.vn/")
    assert why and "matkhau123" not in why and "officer" not in why and "***@stc.daklak.gov.vn" in why


# --- the files as a pair ----------------------------------------------------------------------------

def test_shipped_files_pass_every_check(capsys) -> None:
    code, out, err = _run(["units", "validate", str(UNITS), "--plan", str(PLAN)], capsys)
    assert code == 0, err
    assert "matches plan daklak-2021" in out


# --- issue #20 item 5: the registry checked against public evidence ---------------------------------

def test_every_verified_site_names_its_evidence_and_every_other_is_listed_for_the_operator() -> None:
    reg = load_units(UNITS)
    sites = [u.site for u in reg.units if u.site]
    verified = [s for s in sites if s.verified]
    assert verified and all(s.evidence and all(e.url.startswith(("http://", "https://")) and e.seen_on for e in s.evidence)
                            for s in verified)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running it for real", 1)[1].split("\n## ", 1)[0]
    missing = [s.host for s in sites if not s.verified and f"`{s.host}`" not in section]
    assert not missing, f"unconfirmed hosts not listed in README's 'Running it for real': {missing}"
    assert f"{len(verified)} of the {len(sites)} sites" in section


def test_site_verified_true_without_evidence_is_refused(tmp_path, capsys) -> None:
    text = UNITS.read_text(encoding="utf-8")
    old = 'site = "https://tuyengiao.daklak.gov.vn/"\nsite_verified = false'
    assert old in text
    units = tmp_path / "units.toml"
    units.write_text(text.replace(old, old.replace("false", "true")), encoding="utf-8")
    code, _, err = _run(["units", "validate", str(units), "--plan", str(PLAN)], capsys)
    _assert_refused(code, err, units, "units[2] (unit_id=btg-tinh-uy)", "site_verified", "true without evidence")


def test_official_spelling_of_district_names() -> None:
    names = {u.unit_id: u.name for u in load_units(UNITS).units}
    assert names["h-mdrak"] == "Ủy ban nhân dân huyện M'Đrắk"
    assert "M'Drắk" not in UNITS.read_text(encoding="utf-8")
