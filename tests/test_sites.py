"""The outlet registry: data files, lookup, selection, and the `newsarchive sites` command."""

import json

import pytest
from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.sites import RegistryError, build_registry, load_registry, profile_for_url

TSV_HEAD = "province\tprovince_2025\tkind\toutlet_name\tdomain\tevidence\tnotes\n"


def test_registry_starts_with_lamdongtv_and_covers_every_row():
    reg = load_registry()
    assert reg.profiles[0].name == "lamdongtv.vn"
    assert reg.profiles[0].province == "Lâm Đồng" and reg.profiles[0].kind == "broadcaster"
    assert len(reg) == 191
    assert {p.kind for p in reg} == {"broadcaster", "newspaper", "merged", "portal"}


@pytest.mark.parametrize("target, name", [
    ("lamdongtv.vn", "lamdongtv.vn"),
    ("www.lamdongtv.vn", "lamdongtv.vn"),
    ("https://lamdongtv.vn/tin-tuc/abc-123456.html", "lamdongtv.vn"),
    ("dongkhoi.baovinhlong.vn", "dongkhoi.baovinhlong.vn"),      # the most specific domain wins
    ("https://news.baovinhlong.vn/x", "baovinhlong.vn"),
])
def test_lookup_by_name_domain_or_url(target, name):
    assert load_registry().lookup(target).name == name


def test_unknown_outlet_gets_an_ad_hoc_profile_from_its_url():
    reg = load_registry()
    assert reg.lookup("example.org") is None
    p = reg.resolve("https://tin.example.org/thoi-su")
    assert (p.name, p.home, p.in_registry) == ("tin.example.org", "https://tin.example.org/thoi-su", False)
    assert p.owns_url("https://www.tin.example.org/a") and not p.owns_url("https://example.org/a")
    with pytest.raises(RegistryError):
        profile_for_url("ftp://x.vn/")


def test_merged_outlet_keeps_its_new_home_in_scope():
    p = load_registry().get("baodongkhoi.vn")
    assert p.owns_url("https://dongkhoi.baovinhlong.vn/tin-1234567.html")


def test_select_by_province_accents_optional_and_kind():
    reg = load_registry()
    names = [p.name for p in reg.select(province="lam dong", kind="broadcaster")]
    assert names == ["lamdongtv.vn", "binhthuantv.vn", "truyenhinhdaknong.vn"]


def test_bad_registry_data_is_a_clear_error():
    with pytest.raises(RegistryError, match="unknown kind"):
        build_registry(TSV_HEAD + "A\tA\tradio\tX\tx.vn\t\t\n", {})
    with pytest.raises(RegistryError, match="unknown keys"):
        build_registry(TSV_HEAD + "A\tA\tportal\tX\tx.vn\t\t\n", {"x.vn": {"feeeds": []}})
    with pytest.raises(RegistryError, match="bad URL pattern"):
        build_registry(TSV_HEAD + "A\tA\tportal\tX\tx.vn\t\t\n", {"x.vn": {"article_patterns": ["("]}})


def test_sites_command_table_and_json():
    r = CliRunner().invoke(main, ["sites", "--province", "Lâm Đồng", "--kind", "broadcaster"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("lamdongtv.vn")
    r = CliRunner().invoke(main, ["sites", "--kind", "merged", "--json"])
    rows = [json.loads(line) for line in r.output.splitlines() if line.startswith("{")]
    assert {row["name"] for row in rows} >= {"baohaiphong.vn", "dongkhoi.baovinhlong.vn"}
    assert all(row["kind"] == "merged" for row in rows)
    r = CliRunner().invoke(main, ["sites", "--province", "Atlantis"])
    assert r.exit_code != 0 and "no outlet matches" in r.output
