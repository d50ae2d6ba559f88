"""Reconciliation: every item to a standard item, every citation to a law, every body and
channel to one canonical node — each method on real names of the seeds, curated decisions
winning, candidates for what does not match, the RDF records and the report."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from gongkai.errors import GongkaiError
from gongkai.model import CatalogEntry
from gongkai.namespaces import GK
from gongkai.normalize import LegalCitation
from gongkai.reconcile import (
    ALIAS,
    CHANNEL,
    CURATED,
    EXACT,
    FUZZY,
    GARBLED_ALIAS,
    HEADING,
    ITEM_THRESHOLD,
    ORGANISATION,
    UNMATCHED,
    Curated,
    CuratedRow,
    build_reference,
    canonicalise,
    curated_mappings,
    load_curated,
    match_citation,
    match_item,
    name_key,
    reconcile_catalog,
    reconciliation_report,
)
from tests.conftest import REPO

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # plain: rdflib's closed XSD warns under pytest
B = "https://w3id.org/gongkai/"
SC = B + "vocab/standard/social-insurance/"
ARXAN, YINING = "152202", "654002"
FILE_000, FILE_001 = "000_c073cd0789e26141.txt", "001_cd5a28862c838c28.txt"
NONE = Curated()


@pytest.fixture(scope="module")
def reference(vocabulary):
    return build_reference(vocabulary)


def item(name: str, *categories: str, laws: tuple[str, ...] = ()) -> CatalogEntry:
    return CatalogEntry(name=name, categories=categories, source_file="x.txt", source_line=1,
                        legal_bases=tuple(LegalCitation(t) for t in laws))


def code(match) -> str:
    return match.target_code


# --- items: each method ----------------------------------------------------------------


def test_exact_name(reference):
    match = match_item(item("机关事业单位社会保险登记", "社会保险登记"), YINING, reference, NONE)
    assert (match.method, match.score, code(match)) == (EXACT, 1.0, "01-01")
    assert match.target == URIRef(SC + "01-01") and match.target_label == "机关事业单位社会保险登记"


def test_alias_aligns_the_three_names_of_one_item(reference):
    names = ["工程建设项目办理工伤保险参保登记", "建设工程项目工伤保险参保登记", "建筑项目工伤保险参保登记"]
    matches = [match_item(item(n, "社会保险登记"), ARXAN, reference, NONE) for n in names]
    assert [m.method for m in matches] == [EXACT, ALIAS, ALIAS]
    assert {code(m) for m in matches} == {"01-02"}


def test_normalisation_ignores_numbering_spaces_and_brackets(reference):
    for printed in ("1.2 工程建设项目办理工伤保险参保登记", "个人权益记录(参保证明)查询打印", "缴费人员 增减申报"):
        assert match_item(item(printed), YINING, reference, NONE).method in (EXACT, ALIAS)


def test_garbled_alias_keeps_the_damage_visible(reference):
    match = match_item(item("工伤康复复治疗期延长申请", "工伤保险服务"), ARXAN, reference, NONE)
    assert (match.method, code(match), match.target_label) == (GARBLED_ALIAS, "07-12", "工伤康复治疗期延长申请")
    assert 0 < match.score < 1 and match.matched_text == "工伤康复复治疗期延长申请"
    cut = match_item(item("工伤事故", "工伤保险服务"), ARXAN, reference, NONE)
    assert (cut.method, code(cut)) == (GARBLED_ALIAS, "07-01")


def test_level3_item_takes_its_level2_heading(reference):
    match = match_item(item("暂停企业职工养老保险待遇申请", "养老保险服务", "暂停养老保险待遇申请"), YINING, reference, NONE)
    assert (match.method, code(match), match.matched_text) == (HEADING, "06-04", "暂停养老保险待遇申请")
    assert match.score == pytest.approx(0.9)
    # the heading wins over a closer-looking but wrong name (城乡居民养老保险待遇申领)
    other = match_item(item("暂停城乡居民养老保险待遇申请", "养老保险服务", "暂停养老保险待遇申请"), YINING, reference, NONE)
    assert code(other) == "06-04"


def test_heading_printed_in_the_level1_column(reference):
    # 001 line 33: the page lost its level-1 cell; 职工正常退休（职）申请 stands in its place
    match = match_item(item("机关事业单位养老保险待遇申领", "职工正常退休（职）申请"), YINING, reference, NONE)
    assert (match.method, code(match)) == (HEADING, "06-01")


def test_cut_heading_is_a_garbled_heading(reference):
    match = match_item(item("退役军人养老保险关系转移接续申请", "养老保险服务", "军地养老保险关系转移接续"), YINING,
                       reference, NONE)
    assert (match.method, code(match)) == (HEADING, "06-16")
    assert match.score == pytest.approx(0.81)


def test_a_level1_heading_is_not_inherited(reference):
    # 社会保险缴费申报与变更 is both a level-1 item and a level-2 item: as the only
    # (level-1) heading it must not make every item under it that level-2 item
    match = match_item(item("职工养老保险待遇申领", "社会保险缴费申报与变更"), ARXAN, reference, NONE)
    assert match.method == UNMATCHED


def test_name_containing_a_standard_name_beats_a_stale_heading(reference):
    # 001 line 19: the level-2 cell beside it (工伤保险待遇发放账户维护申请) is not its heading
    match = match_item(item("工伤保险个人基本信息变更", "社会保险参保信息维护", "工伤保险待遇发放账户维护申请"), YINING,
                       reference, NONE)
    assert (match.method, code(match), match.matched_text) == (FUZZY, "02-02", "个人基本信息变更")
    assert ITEM_THRESHOLD <= match.score < 1


def test_fuzzy_on_unseen_variants(reference):
    cases = {
        ("城镇企业职工基本养老保险关系转移接续申请", "养老保险服务"): "06-11",
        ("工伤认定", "工伤保险服务"): "07-04",
        ("稳岗补贴申请", "失业保险服务"): "08-09",
    }
    for (name, category), expected in cases.items():
        match = match_item(item(name, category), "000000", reference, NONE)
        assert (match.method, code(match)) == (FUZZY, expected), name
        assert ITEM_THRESHOLD <= match.score < 1
        assert match.candidates and all(c.target != match.target for c in match.candidates)


def test_level1_agreement_decides_between_two_close_items(reference):
    # 丧葬补助金、抚恤金申领 (pension) and 丧葬补助金和抚恤金申领 (unemployment)
    unemployment = match_item(item("丧葬补助金及抚恤金申领", "失业保险服务"), "000000", reference, NONE)
    pension = match_item(item("丧葬补助金及抚恤金申领", "养老保险服务"), "000000", reference, NONE)
    assert (code(unemployment), code(pension)) == ("08-02", "06-07")


def test_unmatched_keeps_three_candidates(reference):
    match = match_item(item("工伤康复复", "工伤保险服务"), ARXAN, reference, NONE)
    assert (match.method, match.score, match.target) == (UNMATCHED, 0.0, None)
    assert [c.label for c in match.candidates] == ["工伤康复申请确认", "工伤康复治疗期延长申请", "工伤医疗/康复/辅助器具配置费用申报"]
    scores = [c.score for c in match.candidates]
    assert scores == sorted(scores, reverse=True) and scores[0] < ITEM_THRESHOLD


# --- curated decisions -------------------------------------------------------------------


def test_curated_wins_over_every_automatic_method(reference):
    curated = Curated(items={(ARXAN, name_key("机关事业单位社会保险登记")): CuratedRow("01-04", "test", "t.csv", 2)})
    match = match_item(item("机关事业单位社会保险登记", "社会保险登记"), ARXAN, reference, curated)
    assert (match.method, code(match), match.note) == (CURATED, "01-04", "test")
    # only in its place
    assert match_item(item("机关事业单位社会保险登记"), YINING, reference, curated).method == EXACT


def test_shipped_curated_rows_apply_and_say_why(reference):
    curated = curated_mappings()
    garbled = match_item(item("工伤保险个人账户退费", "养老保险服务"), ARXAN, reference, curated)
    assert (garbled.method, code(garbled)) == (CURATED, "06-17") and "individual account" in garbled.note
    # without the curated row the name alone is not enough: unmatched, with the right first candidate
    alone = match_item(item("工伤保险个人账户退费", "养老保险服务"), ARXAN, reference, NONE)
    assert alone.method == UNMATCHED and alone.candidates[0].label == "多重养老保险关系个人账户退费"
    military = match_item(item("城镇职工基本养老保险与城乡居民基本养老保险转移申请", "养老保险服务"), ARXAN, reference,
                          curated)
    assert code(military) == "06-16"
    assert all(row.note for row in curated.items.values())
    assert len(curated.items) == 5 and not curated.laws and not curated.entities
    assert sorted(curated.layout_of("001_cd5a28862c838c28.txt")) == [18, 19]


def test_curated_law_wins(reference):
    curated = Curated(laws={"劳动保障条例": CuratedRow("social-insurance-law", "test", "t.csv", 2)})
    match = match_citation("劳动保障条例", reference, curated)
    assert (match.method, code(match)) == (CURATED, "social-insurance-law")


def test_curated_row_naming_an_unknown_entry_names_file_and_line(reference):
    curated = Curated(items={(ARXAN, name_key("参保单位注销")): CuratedRow("99-99", "test", "standard-items.csv", 7)})
    with pytest.raises(GongkaiError) as error:
        match_item(item("参保单位注销"), ARXAN, reference, curated)
    assert "99-99" in str(error.value) and "standard-items.csv" in str(error.value) and "7" in str(error.value)


def test_load_curated_reads_the_four_files(tmp_path: Path):
    (tmp_path / "standard-items.csv").write_text(
        "\ufeffplace_code,item_name,standard_notation,note\n152202,1.工伤保险个人账户退费,06-17,why\n\n", encoding="utf-8")
    (tmp_path / "legal-resources.csv").write_text("cited_title,law_key,note\n《劳动保障条例》,labour-security-supervision-regulation,why\n",
                                                  encoding="utf-8")
    (tmp_path / "entities.csv").write_text(
        "place_code,kind,name,canonical_name,note\n654002,channel,政府网站,政府门户网站,why\n", encoding="utf-8")
    (tmp_path / "layout.csv").write_text(
        "file,line,level2_item,note\n001.txt,18,养老保险待遇发放账户维护申请,why\n", encoding="utf-8")
    curated = load_curated(tmp_path)
    assert curated.items[("152202", "工伤保险个人账户退费")].target == "06-17"
    assert curated.laws["劳动保障条例"].target == "labour-security-supervision-regulation"
    assert curated.entities[("654002", CHANNEL, "政府网站")].target == "政府门户网站"
    (correction,) = curated.layout_of("001.txt").values()
    assert (correction.line, correction.level2_item, correction.where) == (18, "养老保险待遇发放账户维护申请", "layout.csv line 2")
    assert curated.layout_of("000.txt") == {}


@pytest.mark.parametrize("row", ["001.txt,L18,养老保险待遇发放账户维护申请,why", "001.txt,0,养老保险待遇发放账户维护申请,why",
                                 ",18,养老保险待遇发放账户维护申请,why", "001.txt,18,,why"])
def test_a_layout_correction_needs_a_file_a_line_and_the_cell(tmp_path: Path, row: str):
    (tmp_path / "layout.csv").write_text(f"file,line,level2_item,note\n{row}\n", encoding="utf-8")
    with pytest.raises(GongkaiError, match="file, line .a line number. and level2_item are required") as error:
        load_curated(tmp_path)
    assert error.value.line == 2 and error.value.file.endswith("layout.csv")


def test_curated_row_without_a_reason_is_refused(tmp_path: Path):
    (tmp_path / "standard-items.csv").write_text(
        "place_code,item_name,standard_notation,note\n152202,参保单位注销,01-03,\n", encoding="utf-8")
    with pytest.raises(GongkaiError, match="must say why") as error:
        load_curated(tmp_path)
    assert error.value.line == 2


# --- legal bases ---------------------------------------------------------------------------

SEED_CITATIONS = {
    # title as printed in the seeds -> (law, method)
    "政府信息公开条例": ("open-government-information-regulation", EXACT),
    "信息公示条例": ("open-government-information-regulation", GARBLED_ALIAS),
    "社会保险法": ("social-insurance-law", EXACT),
    "社会保险费征缴暂行条例": ("social-insurance-contribution-regulation", EXACT),
    "工伤保险条例": ("work-injury-insurance-regulation", EXACT),
    "失业保险条例": ("unemployment-insurance-regulation", EXACT),
    "劳动保障监察条例": ("labour-security-supervision-regulation", EXACT),
    "劳动保障条例": ("labour-security-supervision-regulation", GARBLED_ALIAS),
    "劳动保险条例": ("labour-security-supervision-regulation", GARBLED_ALIAS),
    "国务院关于机关事业单位工作人员养老保险制度改革的决定": ("institution-pension-reform-decision-2015", EXACT),
    "国务院办公厅关于转发人力资源社会保障部财政部城镇企业职工基本养老保险关系转移接续暂行办法的通知":
        ("urban-pension-transfer-measures-2009", EXACT),
    "人力资源社会保障部财政部关于机关事业单位基本养老保险关系和职业年金转移接续有关问题的通知":
        ("institution-pension-transfer-notice-2017", EXACT),
    "人力资源社会保障部财政部关于印发〈城乡养老保险制度衔接暂行办法〉的通知": ("urban-rural-pension-linkage-notice-2014", EXACT),
    "人力资源社会保障部财政部关于印发〈城乡基本养老保险制度衔接暂行办法〉的通知":
        ("urban-rural-pension-linkage-notice-2014", GARBLED_ALIAS),
    "人力资源社会保障部财政部总参谋部总政治部总后勤部关于军人退役基本养老保险关系转移接续有关问题的通知":
        ("military-pension-transfer-notice-2015", EXACT),
    "人力资源社会保障部财政部关于军人退役基本养老保险关系转移接续有关问题的通知":
        ("military-pension-transfer-notice-2015", ALIAS),
    "人力资源和社会保障部〈关于贯彻落实国务院办公厅转发城镇企业职工基本养老保险关系转移接续暂行办法的通知〉":
        ("urban-pension-transfer-implementation-2009", ALIAS),
    "人力资源和社会保障部〈关于贯彻落实国务院办公厅转发城镇企业职工基本养老保险关系转移接续暂行办法的通知":
        ("urban-pension-transfer-implementation-2009", ALIAS),
}


def test_every_seed_citation_resolves_to_the_right_law(seed_build):
    seen = {}
    for rec in seed_build.reconciliations:
        for reconciled in rec.items:
            for match in reconciled.citations:
                seen[match.text] = (match.target_code, match.method)
    assert seen == SEED_CITATIONS


def test_garbled_titles_are_not_exact(reference):
    for title in ("信息公示条例", "劳动保障条例", "劳动保险条例"):
        match = match_citation(title, reference, NONE)
        assert match.method == GARBLED_ALIAS and match.score < 1 and match.matched_text == title


def test_citation_forms_that_name_the_same_law(reference):
    for title in ("中华人民共和国社会保险法", "社会保险法", "《中华人民共和国社会保险法》", "中华人民共和国社会保险法(2018年修正)"):
        assert match_citation(title, reference, NONE).target_code == "social-insurance-law", title
    numbered = match_citation("工伤保险条例（国务院令第586号）", reference, NONE)
    assert (numbered.method, numbered.target_code) == (EXACT, "work-injury-insurance-regulation")


def test_fuzzy_and_unmatched_titles(reference):
    close = match_citation("社会保险费征缴条例", reference, NONE)
    assert (close.method, close.target_code) == (FUZZY, "social-insurance-contribution-regulation")
    unknown = match_citation("社会保险费申报缴纳管理规定", reference, NONE)
    assert (unknown.method, unknown.target) == (UNMATCHED, None)
    assert len(unknown.candidates) == 3 and "社会保险费征缴暂行条例" in [c.label for c in unknown.candidates]
    assert all(c.score < 0.75 for c in unknown.candidates)


# --- bodies and channels --------------------------------------------------------------------


def test_channel_variants_of_one_place_cluster(seed_build):
    yining = next(r for r in seed_build.reconciliations if r.place_code == YINING)
    platform = yining.canonical(CHANNEL, "新疆政务服务平台伊宁市分站")
    assert (platform.canonical, platform.method) == ("新疆政务服务网伊宁市分站", FUZZY)
    assert 0.7 <= platform.score < 1
    assert yining.canonical(CHANNEL, "新疆政务服务网伊宁市分站").method == EXACT
    assert yining.canonical(CHANNEL, "政府门户网站").canonical == "政府门户网站"


def test_cut_channel_goes_to_its_own_place(seed_build):
    arxan = next(r for r in seed_build.reconciliations if r.place_code == ARXAN)
    cut = arxan.canonical(CHANNEL, "服务网")
    # also the tail of 阿勒泰市政务服务网: the catalog's own place decides
    assert (cut.canonical, cut.method) == ("阿尔山市政务服务网", FUZZY)


def test_different_places_and_channel_types_never_cluster(seed_build):
    arxan = next(r for r in seed_build.reconciliations if r.place_code == ARXAN)
    for kind, name in ((ORGANISATION, "阿勒泰市社会保险服务中心"), (ORGANISATION, "阿尔山市社会保险服务中心"),
                       (ORGANISATION, "阿尔山市人力资源和就业服务中心"), (CHANNEL, "阿尔山市政务服务中心"),
                       (CHANNEL, "阿尔山市政务服务网"), (CHANNEL, "阿勒泰市政务服务网"), (ORGANISATION, "阿尔山市人民政府")):
        entity = arxan.canonical(kind, name)
        assert (entity.canonical, entity.method) == (name, EXACT), name


def test_curated_entity_wins(reference):
    from collections import Counter

    curated = Curated(entities={(YINING, CHANNEL, "政府门户网站"): CuratedRow("伊宁市人民政府网站", "test", "t.csv", 2)})
    found = canonicalise(CHANNEL, Counter({"政府门户网站": 3, "伊宁市人民政府网站": 1}), YINING, reference, curated)
    assert {(c.name, c.canonical, c.method) for c in found} == {
        ("政府门户网站", "伊宁市人民政府网站", CURATED), ("伊宁市人民政府网站", "伊宁市人民政府网站", EXACT)}


# --- the seeds -----------------------------------------------------------------------------------


def standard_of(seed_build) -> dict[tuple[str, int, str], str]:
    return {(rec.file, it.line, it.name): it.standard.target_code for rec in seed_build.reconciliations
            for it in rec.items}


# Same standard item printed differently by the two seeds: (000 line, name) ~ (001 line, name).
VARIANT_PAIRS = [
    ((10, "建设工程项目工伤保险参保登记"), (8, "工程建设项目办理工伤保险参保登记")),
    ((24, "社会保险补缴欠费申报"), (23, "城乡居民养老保险费断缴补缴申报")),
    ((26, "个人权益查询打印"), (31, "个人权益记录（参保证明）查询打印")),
    ((27, "职工退休申请"), (32, "企业职工基本养老金申领")),
    ((28, "正常退休申请"), (33, "机关事业单位养老保险待遇申领")),
    ((17, "个人基本信息变更"), (19, "工伤保险个人基本信息变更")),
    ((31, "暂停养老保险待遇申请"), (41, "暂停城乡居民养老保险待遇申请")),
    ((33, "个人账户一次性待遇申领"), (45, "机关事业单位养老保险个人账户一次性待遇申领")),
    ((34, "丧葬补助金、抚恤金申领"), (54, "企业职工养老保险死亡待遇申领")),
    ((47, "城镇职工基本养老保险转移接续申请"), (55, "城镇职工基本养老保险关系转移接续申请")),
    ((48, "机关事业单位养老保险转移接续申请"), (56, "机关事业单位养老保险关系转移接续申请")),
    ((49, "城乡居民基本养老保险转移接续申请"), (60, "城乡居民基本养老保险关系转移接续申请")),
    ((51, "机关事业单位基本养老保险与城镇职工基本养老保险互转申请"), (61, "机关事业单位基本养老保险与城镇企业职工基本养老保险互转申请")),
    ((53, "城镇职工基本养老保险与城乡居民基本养老保险转移申请"), (63, "退役军人养老保险关系转移接续申请")),
    ((55, "工伤保险个人账户退费"), (68, "多重养老保险关系个人账户退费")),
    ((56, "工伤事故"), (75, "工伤事故备案")),
    ((62, "异地居住就医申请确认"), (77, "工伤异地居住（就医）备案")),
    ((64, "转诊转院申请确认"), (78, "工伤保险市外转诊转院申请确认")),
    ((69, "辅助器具配置或更换申请"), (82, "工伤保险辅助器具配置(更换)核付确认与备案")),
    ((76, "伤残待遇申领（一次性伤残补助金、贴补、津贴和生活护理费）"), (87, "伤残待遇申领（一次性伤残补助金、伤残津贴和生活护理费）")),
    ((77, "死亡补助金（含生活困难、50%直系亲属）、丧葬补助金、供养亲属抚恤金申领"), (88, "工亡待遇申领")),
    ((78, "工伤赔偿待遇变更"), (92, "工伤保险待遇变更")),
    ((80, "丧葬补助金和抚恤金申领"), (95, "领取失业保险待遇期间死亡丧葬补助金和抚恤金申领")),
    ((84, "农民工合同制工人一次性生活补助申领"), (96, "农民合同制工人一次性生活补助申领")),
    ((90, "关系转移接续"), (97, "失业保险关系转移接续")),
    ((91, "稳岗补贴申领"), (98, "稳岗返还（稳岗补贴）申领")),
]


@pytest.mark.parametrize(("arxan", "yining"), VARIANT_PAIRS, ids=lambda pair: pair[1])
def test_variant_pairs_of_the_seeds_align(seed_build, arxan, yining):
    standard = standard_of(seed_build)
    left, right = standard[(FILE_000, *arxan)], standard[(FILE_001, *yining)]
    assert left and left == right


def test_every_seed_item_is_reconciled_and_only_garbled_names_stay_unmatched(seed_build):
    unmatched = [(rec.file, it.line, it.name, [c.label for c in it.standard.candidates])
                 for rec in seed_build.reconciliations for it in rec.items if not it.standard.matched]
    assert [(f, line, n) for f, line, n, _ in unmatched] == [(FILE_000, 65, "工伤康复复"), (FILE_000, 66, "工伤康复复"),
                                                            (FILE_000, 67, "工伤康复复")]
    assert all(candidates[0] == "工伤康复申请确认" for *_, candidates in unmatched)


def test_reconciliation_is_deterministic(seed_build, reference):
    curated = curated_mappings()
    for parsed, rec in zip(seed_build.catalogs, seed_build.reconciliations, strict=True):
        assert reconcile_catalog(parsed, reference, curated) == rec
    assert reconciliation_report(seed_build).to_csv() == reconciliation_report(seed_build).to_csv()


# --- RDF -------------------------------------------------------------------------------------------


def rdf_item(seed_build, place: str, name: str) -> tuple:
    graph = seed_build.graphs[URIRef(f"{B}catalog/{place}/social-insurance")]
    (found,) = [s for s in graph.subjects(SKOS.prefLabel, Literal(name, lang="zh"))
                if (s, RDF.type, GK.DisclosureItem) in graph]
    return graph, found


def test_rdf_standard_item_and_its_record(seed_build):
    graph, node = rdf_item(seed_build, YINING, "暂停城乡居民养老保险待遇申请")
    record = URIRef(f"{node}/match/standard")
    assert graph.value(node, GK.standardItem) == URIRef(SC + "06-04")
    assert graph.value(node, GK.standardItemMatch) == record
    assert (record, RDF.type, GK.Match) in graph
    assert graph.value(record, GK.matchedConcept) == URIRef(SC + "06-04")
    assert graph.value(record, GK.matchMethod) == Literal("heading")
    score = graph.value(record, GK.matchScore)
    assert score.datatype == XSD.decimal and score.toPython() == Decimal("0.9")
    assert graph.value(record, GK.matchedText) == Literal("暂停养老保险待遇申请", lang="zh")


def test_rdf_unmatched_item_has_candidates_and_no_link(seed_build):
    graph = seed_build.graphs[URIRef(f"{B}catalog/{ARXAN}/social-insurance")]
    nodes = [s for s in graph.subjects(SKOS.prefLabel, Literal("工伤康复复", lang="zh"))]
    assert len(nodes) == 3
    for node in nodes:
        record = graph.value(node, GK.standardItemMatch)
        assert graph.value(node, GK.standardItem) is None and graph.value(record, GK.matchedConcept) is None
        assert graph.value(record, GK.matchMethod) == Literal("unmatched")
        candidates = sorted(graph.objects(record, GK.candidate))
        assert candidates == [URIRef(f"{record}/candidate/{n}") for n in (1, 2, 3)]
        first = candidates[0]
        assert (first, RDF.type, GK.Candidate) in graph and graph.value(first, GK.candidateRank) == Literal(1)
        assert graph.value(first, GK.matchedConcept) == URIRef(SC + "07-11")


def test_rdf_citations_keep_the_printed_title(seed_build):
    graph, node = rdf_item(seed_build, YINING, "城乡居民基本养老保险关系转移接续申请")
    citations = {graph.value(c, GK.citedAs).toPython(): c for c in graph.objects(node, GK.citation)}
    assert set(citations) == {"政府信息公开条例", "社会保险法", "劳动保险条例"}
    garbled = citations["劳动保险条例"]
    assert garbled == URIRef(f"{node}/citation/3")
    assert {graph.value(garbled, GK.matchMethod).toPython(), str(graph.value(garbled, GK.legalResource))} == {
        "garbled-alias", B + "law/labour-security-supervision-regulation"}
    assert (garbled, RDF.type, GK.Citation) in graph and (garbled, RDF.type, GK.Match) in graph
    # the direct link goes to the same law
    assert URIRef(B + "law/labour-security-supervision-regulation") in set(graph.objects(node, GK.legalBasis))
    assert not list(graph.subjects(GK.unlisted, Literal(True)))


def test_rdf_canonical_links(seed_build):
    graph = seed_build.graphs[URIRef(f"{B}catalog/{YINING}/social-insurance")]
    channels = {str(graph.value(c, SKOS.prefLabel)): c for c in graph.subjects(RDF.type, URIRef("http://data.europa.eu/m8g/Channel"))}
    variant, canonical = channels["新疆政务服务平台伊宁市分站"], channels["新疆政务服务网伊宁市分站"]
    assert graph.value(variant, GK.canonical) == canonical and graph.value(canonical, GK.canonical) == canonical
    record = graph.value(variant, GK.canonicalMatch)
    assert record == URIRef(f"{variant}/match/canonical")
    assert graph.value(record, GK.canonical) == canonical and graph.value(record, GK.matchMethod) == Literal("fuzzy")
    assert graph.value(canonical, GK.canonicalMatch) is None
    for node in set(graph.subjects(RDF.type, URIRef("http://data.europa.eu/m8g/PublicOrganisation"))) | set(channels.values()):
        assert len(list(graph.objects(node, GK.canonical))) == 1


def test_every_item_has_one_record(seed_build):
    for graph in seed_build.graphs.values():
        for node in graph.subjects(RDF.type, GK.DisclosureItem):
            assert len(list(graph.objects(node, GK.standardItemMatch))) == 1
            assert len(list(graph.objects(node, GK.citation))) == len(set(graph.objects(node, GK.citation)))


def test_seed_build_is_byte_identical_across_builds(seed_build):
    from gongkai.manifest import load_manifest
    from gongkai.pipeline import build_graphs

    again = build_graphs(load_manifest(REPO / "data/sources.toml"))
    for name, graph in seed_build.graphs.items():
        assert sorted(graph.serialize(format="nt").splitlines()) == sorted(again.graphs[name].serialize(format="nt").splitlines())


# --- the report ----------------------------------------------------------------------------------


def test_report_counts_and_lists(seed_build):
    report = reconciliation_report(seed_build)
    counts = report.counts()
    assert sum(counts["standard-item"].values()) == seed_build.item_count == 148
    assert counts["standard-item"][UNMATCHED] == 3 and counts["standard-item"][CURATED] == 5
    assert counts["legal-resource"][UNMATCHED] == 0 and counts["legal-resource"][GARBLED_ALIAS] == 42
    assert [r.text for r in report.unmatched()] == ["工伤康复复"] * 3
    text = report.to_text()
    assert "Unmatched (with the best candidates): 3" in text
    assert "工伤康复复 unmatched" in text and "candidates: 工伤康复申请确认" in text
    assert "劳动保险条例 -> 劳动保障监察条例" in text


def test_report_json_and_csv(seed_build):
    report = reconciliation_report(seed_build)
    document = json.loads(report.to_json())
    assert document["counts"]["standard-item"]["heading"] == report.counts()["standard-item"]["heading"]
    assert document["thresholds"]["item"] == ITEM_THRESHOLD
    row = next(r for r in document["rows"] if r["text"] == "工伤康复复")
    assert row["method"] == "unmatched" and row["candidates"][0]["label"] == "工伤康复申请确认"
    text = report.to_csv()
    assert text.startswith("\ufeffplace_code,place_name,file,line,kind,")
    rows = list(csv.DictReader(StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == len(report.rows)
    garbled = next(r for r in rows if r["text"] == "信息公示条例")
    assert (garbled["method"], garbled["target_code"], garbled["score"]) == ("garbled-alias",
                                                                         "open-government-information-regulation", "0.9")
    assert not report.to_csv(bom=False).startswith("\ufeff")


def test_report_of_a_build_without_stored_reconciliations(seed_build):
    from dataclasses import replace

    bare = replace(seed_build, reconciliations=[])
    assert reconciliation_report(bare).to_csv() == reconciliation_report(seed_build).to_csv()


def test_pipeline_exposes_the_report(seed_build):
    from gongkai.pipeline import reconciliation_report as from_pipeline

    assert from_pipeline(seed_build).to_json() == reconciliation_report(seed_build).to_json()
