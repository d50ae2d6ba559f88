"""Parsing rules, each pinned with small tables made from real damaged seed lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.errors import GongkaiError
from gongkai.model import CatalogSource, LayoutCorrection, LedgerStatus, SourceRow
from gongkai.parse import (
    Kind,
    Role,
    build_header,
    category_match,
    classify,
    parse_catalog,
    split_item_names,
)

# The header of 000_c073cd0789e26141.txt (lines 7-8) and of 001_cd5a28862c838c28.txt (5-6).
HEADER_2_LEVELS = [
    "序号\t公开事项\t\t公开内容(要素)\t公开依据\t公开时限\t公开主体\t公开渠道和载体\t公开对象\t\t\t公开方式\t\t公开层级\t",
    "\t一级事项\t二级事项\t\t\t\t\t\t全社会\t特定群众\t主动\t依申请公开\t县级\t乡、村级\t",
]
HEADER_3_LEVELS = [
    "公开事项\t\t\t公开内容（要素）\t公开依据\t公开时限\t公开主体\t公开渠道和载体\t公开对象\t\t公开方式\t\t公开层级\t",
    "一级事项\t二级事项\t三级事项\t\t\t\t\t\t全社会\t特定群众\t主动\t依申请\t县级\t乡、村级",
]
CONTENT = "事项名称、事项简述、办理材料、办理方式、办理时限、结果送达、收费依据及标准、办事时间、办理机构及地点、咨询查询途径、监督投诉渠道"
LAWS = "《政府信息公开条例》、《社会保险法》、《社会保险费征缴暂行条例》"
TIME = "公开事项信息形成或变更之日起20个工作日内公开"
SOURCE = CatalogSource(Path("t.txt"), "654002", "伊宁市", "social-insurance")


def rows(*lines: str, file: str = "t.txt") -> list[SourceRow]:
    return [SourceRow(file, n, tuple(line.split("\t")), line) for n, line in enumerate(lines, 1)]


def parse(lexicon, *lines: str):
    return parse_catalog(rows(*lines), SOURCE, lexicon)


def test_two_line_header_found_by_names(lexicon):
    header = build_header(rows(*HEADER_2_LEVELS), lexicon)
    roles = {c.index: c.role for c in header.columns}
    assert roles[0] == Role.ROW_NUMBER and roles[1] == Role.LEVEL1 and roles[2] == Role.LEVEL2
    assert roles[3] == Role.CONTENT and roles[6] == Role.BODY and roles[7] == Role.CHANNEL
    assert [c.tick for c in header.tick_columns] == [
        ("audience", "全社会"), ("audience", "特定群众"), ("method", "主动"), ("method", "依申请"),
        ("level", "县级"), ("level", "乡、村级")]
    assert header.width == 14


@pytest.mark.parametrize(
    ("label", "tick"),
    [("特定群体", ("audience", "特定群众")), ("依申请公开", ("method", "依申请")), ("乡镇级", ("level", "乡镇级")),
     ("嘎查(社区)级", ("level", "村(社区)级")), ("乡级", ("level", "乡镇级")), ("乡、村级", ("level", "乡、村级"))],
)
def test_header_variants_map_to_concepts(lexicon, label, tick):
    header = build_header(rows(f"公开事项\t公开依据\t公开主体\t{label}"), lexicon)
    assert header.tick_columns[0].tick == tick


def test_extra_columns_are_named_but_unused(lexicon):
    header = build_header(rows("序号\t公开事项\t公开依据\t公开主体\t主动\t咨询电话\t公开属性"), lexicon)
    assert [c.role for c in header.columns] == [
        Role.ROW_NUMBER, Role.ITEM, Role.LEGAL, Role.BODY, Role.TICK, Role.OTHER, Role.OTHER]


def test_aligned_row_read_by_position_with_ticks(lexicon):
    # 001 line 7
    parsed = parse(lexicon, *HEADER_3_LEVELS,
                   f"社会保险登记\t机关事业单位社会保险登记\t\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t新疆政务服务网伊宁市分站 政府门户网站\t√\t\t√\t\t√\t")
    (item,) = parsed.entries
    assert item.name == "机关事业单位社会保险登记"
    assert item.categories == ("社会保险登记",)
    assert [c.title for c in item.legal_bases] == ["政府信息公开条例", "社会保险法", "社会保险费征缴暂行条例"]
    assert item.time_limit_days == 20
    assert item.responsible_body == "伊宁市人力资源和社会保障局"
    assert item.channels == ("新疆政务服务网伊宁市分站", "政府门户网站")
    assert item.ticks == (("audience", "全社会"), ("method", "主动"), ("level", "县级"))
    assert not item.ticks_lost
    assert len(item.content_elements) == 11


def test_row_that_lost_cells_keeps_text_but_not_ticks(lexicon):
    # 000 line 17: 13 cells for 14 columns
    parsed = parse(lexicon, *HEADER_2_LEVELS,
                   f"1\t社会保险参保信息维护\t单位基本信息变更\t{CONTENT}\t{LAWS}\t{TIME}\t阿尔山市社会保险服务中心\t阿尔山市人民政府网站\t√\t\t√\t\t√\t√",
                   "7\t基本养老保险待遇发放维护\t个人基本信息变更\t\t\t\t阿尔山市人民政府网站 ■ 阿尔山市政务服务网\t✓\t\t✓\t\t✓\t✓")
    first, *rest = parsed.entries
    assert [e.name for e in rest] == ["基本养老保险待遇发放维护", "个人基本信息变更"]
    for entry in rest:
        assert entry.ticks == () and entry.ticks_lost
        assert entry.responsible_body == "阿尔山市社会保险服务中心"  # merged cell from line 3
        assert entry.merged_from_lines == (3,)
        assert entry.channels == ("阿尔山市人民政府网站", "阿尔山市政务服务网")
    assert parsed.ledger[3].status == LedgerStatus.ITEM
    assert "tick columns unknown" in parsed.ledger[3].detail


def test_row_with_extra_tick_cells_has_ticks_unknown(lexicon):
    # 000 line 23: eight ticks for six tick columns
    parsed = parse(lexicon, *HEADER_2_LEVELS,
                   f"11\t社会保险缴费申报\t缴费人员 增减申报\t{CONTENT}\t{LAWS}\t{TIME}\t阿尔山市社会保险服务中心\t阿尔山市人民政府网站\t√\t√\t√\t√\t√\t√\t√\t√")
    (item,) = parsed.entries
    assert item.name == "缴费人员增减申报"
    assert item.categories == ("社会保险缴费申报与变更",)
    assert item.ticks_lost and item.ticks == ()


def test_text_in_a_tick_column_means_shifted_cells(lexicon):
    # 001 line 44: the merged cells printed in the tick columns
    parsed = parse(lexicon, *HEADER_3_LEVELS,
                   f"养老保险服务\t个人账户一次性待遇申领\t企业职工养老保险个人账户一次性待遇申领\t\t\t\t\t\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t政府门户网站\t√")
    (item,) = parsed.entries
    assert item.name == "企业职工养老保险个人账户一次性待遇申领"
    assert item.categories == ("养老保险服务", "个人账户一次性待遇申领")
    assert item.responsible_body == "伊宁市人力资源和社会保障局"
    assert item.ticks_lost


def test_a_level_2_item_ends_the_level_2_heading_above(lexicon):
    # 001 lines 44-51: a heading with level-3 items, then level-2 items of their own
    parsed = parse(lexicon, *HEADER_3_LEVELS,
                   f"养老保险服务\t个人账户一次性待遇申领\t企业职工养老保险个人账户一次性待遇申领\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t政府门户网站\t√",
                   "\t\t机关事业单位养老保险个人账户一次性待遇申领\t\t\t\t\t\t√",
                   "\t企业职工一次性养老保险待遇申领\t\t\t\t\t\t\t√",
                   "\t\t城乡居民养老保险个人账户一次性待遇申领\t\t\t\t\t\t√",
                   "\t养老保险死亡待遇申领\t企业职工养老保险死亡待遇申领\t\t\t\t\t\t√")
    assert [(e.name, e.categories) for e in parsed.entries] == [
        ("企业职工养老保险个人账户一次性待遇申领", ("养老保险服务", "个人账户一次性待遇申领")),
        ("机关事业单位养老保险个人账户一次性待遇申领", ("养老保险服务", "个人账户一次性待遇申领")),
        ("企业职工一次性养老保险待遇申领", ("养老保险服务",)),  # a level-2 item: no heading above it
        ("城乡居民养老保险个人账户一次性待遇申领", ("养老保险服务",)),  # the heading ended
        ("企业职工养老保险死亡待遇申领", ("养老保险服务", "养老保险死亡待遇申领")),  # a new heading
    ]


# 001 lines 17-19 and 23: a level-2 cell beside a level-3 item is its heading (line 23) or
# an item of its own that the PDF text put there (lines 18-19): only a curated layout
# correction tells them apart
BESIDE = [
    f"社会保险参保信息维护\t个人基本信息变更\t城乡居民养老保险个人信息变更\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t政府门户网站\t√",
    f"\t养老保险待遇发放账户维护申请\t机关事业单位参保人员信息变更\t\t{LAWS}\t\t\t\t√",
]


def correction(line: int, level2_item: str) -> LayoutCorrection:
    return LayoutCorrection("t.txt", line, level2_item, "why", "/data/mappings/layout.csv", 7)


def test_a_level_2_cell_beside_a_level_3_item_is_its_heading(lexicon):
    parsed = parse(lexicon, *HEADER_3_LEVELS, *BESIDE)
    assert [(e.name, e.categories) for e in parsed.entries] == [
        ("城乡居民养老保险个人信息变更", ("社会保险参保信息维护", "个人基本信息变更")),
        ("机关事业单位参保人员信息变更", ("社会保险参保信息维护", "养老保险待遇发放账户维护申请")),
    ]


def test_a_layout_correction_makes_the_level_2_cell_an_item_of_its_own(lexicon):
    parsed = parse_catalog(rows(*HEADER_3_LEVELS, *BESIDE), SOURCE, lexicon,
                           layout={4: correction(4, "养老保险待遇发放账户维护申请")})
    assert [(e.name, e.categories, e.source_line) for e in parsed.entries] == [
        ("城乡居民养老保险个人信息变更", ("社会保险参保信息维护", "个人基本信息变更"), 3),
        ("养老保险待遇发放账户维护申请", ("社会保险参保信息维护",), 4),  # a level-2 item
        ("机关事业单位参保人员信息变更", ("社会保险参保信息维护", "个人基本信息变更"), 4),  # the heading above stays
    ]
    both = parsed.entries[1:]
    assert all(e.legal_basis_text == LAWS and e.responsible_body == "伊宁市人力资源和社会保障局" for e in both)
    entry = next(e for e in parsed.ledger if e.line == 4)
    assert entry.status == LedgerStatus.ITEM and entry.items == ("养老保险待遇发放账户维护申请", "机关事业单位参保人员信息变更")
    assert "layout correction, layout.csv line 7" in entry.detail


@pytest.mark.parametrize(("line", "text", "message"), [
    (4, "工伤保险待遇发放账户维护申请", "the line has no level-2 cell 工伤保险待遇发放账户维护申请 beside a level-3 item"),
    (3, "城乡居民养老保险个人信息变更", "the line has no level-2 cell 城乡居民养老保险个人信息变更"),  # its level-3
    (1, "公开事项", "line 1 of t.txt: that line is not a row of items"),
    (9, "养老保险待遇发放账户维护申请", "line 9 of t.txt: that line is not a row of items"),
])
def test_a_correction_that_does_not_fit_its_line_stops_the_parse(lexicon, line, text, message):
    with pytest.raises(GongkaiError, match=message) as caught:
        parse_catalog(rows(*HEADER_3_LEVELS, *BESIDE), SOURCE, lexicon, layout={line: correction(line, text)})
    assert caught.value.file == "/data/mappings/layout.csv" and caught.value.line == 7


def test_merged_cells_fill_the_block_and_fragments_stand_for_the_whole(lexicon):
    parsed = parse(lexicon, *HEADER_3_LEVELS,
                   f"工伤保险服务\t工伤事故备案\t\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t政府门户网站\t√\t\t√\t\t√\t√",
                   "\t工伤认定申请\t\t\t\t\t\t\t√\t\t√\t\t√\t√",
                   "工伤保险服\t工亡待遇申领\t\t依据及标准、办事时间、办理机构及地点、咨询查询途径、监督投诉渠道\t\t日起20个工作日内公开\t局\t网站\t√\t\t√\t\t√\t√")
    first, second, third = parsed.entries
    assert second.responsible_body == first.responsible_body and second.merged_from_lines == (3,)
    assert second.categories == ("工伤保险服务",)
    assert third.categories == ("工伤保险服务",)  # '工伤保险服' is a cut-off category
    assert third.content_elements == first.content_elements
    assert third.time_limit_text == TIME
    assert third.responsible_body == "伊宁市人力资源和社会保障局"


def test_one_cell_naming_several_items_gives_several_items(lexicon):
    # 000 line 64
    parsed = parse(lexicon, *HEADER_2_LEVELS,
                   "39\t旧伤复发申请确认 转诊转院申请确认 工伤康复申请确认\t\t\t\t\t√\t\t√\t√\t√\t√")
    assert [e.name for e in parsed.entries] == ["旧伤复发申请确认", "转诊转院申请确认", "工伤康复申请确认"]
    assert all(e.source_line == 3 for e in parsed.entries)
    assert parsed.ledger[2].items == ("旧伤复发申请确认", "转诊转院申请确认", "工伤康复申请确认")


@pytest.mark.parametrize(
    ("cell", "names"),
    [("缴费人员 增减申报", ["缴费人员增减申报"]), ("单位参保 证明查询 打印", ["单位参保证明查询打印"]),
     ("农民工合同 制工人一 次性生活 补助申领", ["农民工合同制工人一次性生活补助申领"]),
     ("辅助器具配置协议机构的确认 异地居住就医申请确认", ["辅助器具配置协议机构的确认", "异地居住就医申请确认"]),
     ("1.1城乡居民养老保险参保登记", ["城乡居民养老保险参保登记"])],
)
def test_split_item_names(cell, names):
    assert split_item_names(cell) == names


def test_fragments_never_become_items(lexicon):
    parsed = parse(lexicon, *HEADER_3_LEVELS,
                   f"养老保险服务\t军地养老保险关系转移接续\t退役军人养老保险关系转移接续申请\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t政府门户网站\t√\t\t√\t\t√\t√",
                   f"务\t申请\t未就业随军配偶养老保险关系转移接续申请\t{CONTENT}\t{LAWS}\t{TIME}\t源和社会保障局\t政府门户网站\t√\t\t√\t\t√\t√")
    names = [e.name for e in parsed.entries]
    assert names == ["退役军人养老保险关系转移接续申请", "未就业随军配偶养老保险关系转移接续申请"]
    assert "务" in parsed.ledger[3].detail and "申请" in parsed.ledger[3].detail
    assert parsed.entries[1].responsible_body == "伊宁市人力资源和社会保障局"


def test_content_fragment_alone_is_not_an_item(lexicon):
    parsed = parse(lexicon, *HEADER_2_LEVELS,
                   "5\t城乡居民养老保险参保登记\t投诉渠道\t\t\t\t■ 阿尔山市政务服务中心\t✓\t\t✓\t✓\t✓\t✓")
    assert [e.name for e in parsed.entries] == ["城乡居民养老保险参保登记"]


def test_numbered_row_without_a_name_is_rejected_with_reason(lexicon):
    parsed = parse(lexicon, *HEADER_2_LEVELS,
                   f"6\t社会保险参保信息维护\t{CONTENT}\t{LAWS}\t{TIME}\t阿尔山市社会保险服务中心\t阿尔山市人民政府网站\t✓\t\t✓\t\t✓\t✓",
                   "\t\t\t\t\t\t\t✓\t\t✓\t\t✓\t✓")
    assert parsed.entries == ()
    assert parsed.ledger[2].status == LedgerStatus.REJECTED
    assert "numbered 6 has no item name" in parsed.ledger[2].detail
    assert parsed.ledger[3].status == LedgerStatus.REJECTED  # nothing above to merge into


def test_continuation_row_is_merged_into_the_item_above(lexicon):
    parsed = parse(lexicon, *HEADER_2_LEVELS,
                   f"1\t社会保险参保信息维护\t个人基本信息变更\t{CONTENT}\t{LAWS}\t{TIME}\t阿尔山市社会保险服务中心\t阿尔山市人民政府网站\t✓\t\t✓\t\t✓\t✓",
                   "\t\t\t\t\t\t\t✓\t\t✓\t\t✓\t✓")
    assert parsed.ledger[3].status == LedgerStatus.MERGED
    assert "line 3" in parsed.ledger[3].detail


def test_lone_label_of_a_merged_cell_is_not_an_item(lexicon):
    # 001 line 13
    parsed = parse(lexicon, *HEADER_3_LEVELS,
                   f"社会保险参保\t单位（项目）基本信息变更\t企业参保单位社会保险信息变更\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t政府门户网站\t√\t\t√\t\t√\t√",
                   "个人基本信息\t\t\t\t\t\t\t\t\t\t\t\t\t")
    assert [e.name for e in parsed.entries] == ["企业参保单位社会保险信息变更"]
    assert parsed.ledger[3].status == LedgerStatus.MERGED


def test_truncated_last_row_is_an_incomplete_item(lexicon):
    parsed = parse(lexicon, *HEADER_2_LEVELS,
                   f"1\t养老保险服务\t城乡居民养老保险待遇申领\t{CONTENT}\t{LAWS}\t{TIME}\t阿尔山市社会保险服务中心\t阿尔山市人民政府网站\t✓\t\t✓\t\t✓\t✓",
                   "2\t养老保险服务\t暂停养老保险待遇申请\t事项名称")
    last = parsed.entries[-1]
    assert last.name == "暂停养老保险待遇申请" and last.incomplete
    assert "incomplete" in parsed.ledger[-1].detail


def test_title_above_header_and_blank_lines_are_in_the_ledger(lexicon):
    parsed = parse(lexicon, "", "(十一) 社会保险领域基层政务公开标准目录", *HEADER_2_LEVELS,
                   f"1\t社会保险登记\t职工参保登记\t{CONTENT}\t{LAWS}\t{TIME}\t阿尔山市社会保险服务中心\t阿尔山市人民政府网站\t√\t\t√\t\t√\t√")
    assert [e.status for e in parsed.ledger] == [
        LedgerStatus.BLANK, LedgerStatus.TITLE, LedgerStatus.HEADER, LedgerStatus.HEADER, LedgerStatus.ITEM]
    assert parsed.title == "(十一)社会保险领域基层政务公开标准目录"


def test_no_header_is_an_error_naming_the_file(lexicon):
    with pytest.raises(GongkaiError) as error:
        parse(lexicon, "just some text", "more text")
    assert "t.txt" in str(error.value) and "no recognisable header" in str(error.value)


def test_classify_cells(lexicon):
    assert classify("√", lexicon) == Kind.TICK
    assert classify("《社会保险法》", lexicon) == Kind.LEGAL
    assert classify("例》", lexicon) == Kind.LEGAL
    assert classify(TIME, lexicon) == Kind.TIME
    assert classify("投诉渠道", lexicon) == Kind.CONTENT
    assert classify("阿尔山市政务服务中心", lexicon) == Kind.CHANNEL
    assert classify("阿尔山市社会保险服务中心", lexicon) == Kind.BODY
    assert classify("工伤认定申请", lexicon) == Kind.NAME
    assert classify("务", lexicon) == Kind.FRAGMENT
    assert classify("0482-1234567", lexicon) == Kind.OTHER


def test_category_match(lexicon):
    known = lexicon.standard_categories
    assert category_match("养老保险服", known) == "养老保险服务"
    assert category_match("社会保险缴费申报", known) == "社会保险缴费申报与变更"
    assert category_match("社会保险参保", known) == "社会保险参保"  # prefix of two: kept as printed
    assert category_match("工伤认定申请", known) is None


def test_merged_cell_printed_mid_block_fills_the_rows_above(lexicon):
    # the first block's body, law and time are printed on its second row only
    parsed = parse(lexicon, *HEADER_3_LEVELS,
                   "社会保险登记\t机关事业单位社会保险登记\t\t\t\t\t\t\t√\t\t√\t\t√\t",
                   f"\t城乡居民养老保险参保登记\t\t{CONTENT}\t{LAWS}\t{TIME}\t伊宁市人力资源和社会保障局\t政府门户网站\t√\t\t√\t\t√\t√")
    first, second = parsed.entries
    assert first.responsible_body == second.responsible_body == "伊宁市人力资源和社会保障局"
    assert first.time_limit_days == 20 and [c.title for c in first.legal_bases][1] == "社会保险法"
    assert first.channels == ("政府门户网站",)
    assert first.merged_from_lines == (4,)


def test_time_limit_without_a_number_is_still_a_time_limit(lexicon):
    assert classify("长期公开", lexicon) == Kind.TIME
