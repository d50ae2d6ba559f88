"""Normalisation rules, each pinned with text taken from the damaged seed lines."""

from __future__ import annotations

import pytest

from gongkai.normalize import (
    LegalCitation,
    clean,
    is_spaced_out,
    is_tick,
    law_match_key,
    parse_time_limit,
    segment_known,
    split_channels,
    split_content_elements,
    split_legal_bases,
    strip_numbering,
)


def test_html_tags_are_stripped():
    assert clean("<p>阿尔山市社会保险服务中心</p>") == "阿尔山市社会保险服务中心"


def test_traditional_characters_and_known_ocr_noise():
    # 000_c073cd0789e26141.txt line 36
    assert clean("阿爾山巒市社會保險服務中心") == "阿尔山市社会保险服务中心"
    assert clean("阿爾山巒市人民政務網站") == "阿尔山市人民政府网站"


def test_spaces_between_every_character_are_removed():
    text = "阿 尔 山 市 人 力 资 源 和 就 业 服 务 中 心"
    assert is_spaced_out(text)
    assert clean(text) == "阿尔山市人力资源和就业服务中心"
    assert clean(text, keep_spaces=True) == "阿尔山市人力资源和就业服务中心"


def test_line_wraps_inside_a_cell_are_joined():
    assert clean("公开事项信息形 成或变更之日起 20个工作日内公 开") == "公开事项信息形成或变更之日起20个工作日内公开"


def test_separating_spaces_survive_when_asked():
    assert clean("新疆政务服务网伊宁市分站 政府门户网站", keep_spaces=True) == "新疆政务服务网伊宁市分站 政府门户网站"


def test_full_width_ascii_is_folded():
    assert clean("２０个工作日") == "20个工作日"


@pytest.mark.parametrize(
    ("raw", "name"),
    [("1.1城乡居民养老保险参保登记", "城乡居民养老保险参保登记"), ("1.社会保险登记", "社会保险登记"),
     ("（一）社会保险登记", "社会保险登记"), ("12、失业保险金申领", "失业保险金申领"), ("工伤认定申请", "工伤认定申请")],
)
def test_numbering_is_stripped(raw, name):
    assert strip_numbering(raw) == name


def test_ticks():
    assert is_tick("√") and is_tick("✓") and is_tick(" ✔ ")
    assert not is_tick("") and not is_tick("主动")


def test_legal_bases_split_on_brackets():
    cell = "《政府信息公开条例》、《社会保险法》、《国务院关于机关事业单位工作人员养老保险制度改革的决定》"
    assert [c.title for c in split_legal_bases(cell)] == [
        "政府信息公开条例", "社会保险法", "国务院关于机关事业单位工作人员养老保险制度改革的决定"]


def test_legal_basis_document_number_kept_apart():
    citations = split_legal_bases("《工伤保险条例》(国务院令第586号)、《中华人民共和国社会保险法》")
    assert citations[0] == LegalCitation("工伤保险条例", "国务院令第586号")
    assert citations[1] == LegalCitation("中华人民共和国社会保险法", None)
    numbered = split_legal_bases("《人力资源社会保障部财政部关于印发〈城乡养老保险制度衔接暂行办法〉的通知》(人社部发〔2014〕17号)")
    assert numbered == [LegalCitation("人力资源社会保障部财政部关于印发〈城乡养老保险制度衔接暂行办法〉的通知", "人社部发〔2014〕17号")]


def test_legal_basis_wrapped_over_lines():
    # 000_c073cd0789e26141.txt line 89
    assert [c.title for c in split_legal_bases("《政府信息 公开条例》、 《社会保险 法》、《失业保 险条例》")] == [
        "政府信息公开条例", "社会保险法", "失业保险条例"]


def test_unclosed_title_is_kept_and_marked_incomplete():
    # 000_c073cd0789e26141.txt line 55: the closing 》 was lost
    cell = "《社会保险法》、《人力资源和社会保障部<关于贯彻落实国务院办公厅转发城镇企业职工基本养老保险关系转移接续暂行办法的通知>"
    citations = split_legal_bases(cell)
    assert citations[0] == LegalCitation("社会保险法")
    assert citations[1].complete is False
    assert citations[1].title.startswith("人力资源和社会保障部〈关于贯彻落实")


def test_law_match_key_ignores_prc_prefix_and_brackets():
    assert law_match_key("中华人民共和国社会保险法") == law_match_key("社会保险法")
    assert law_match_key("人力资源社会保障部 财政部关于印发《城乡养老保险制度衔接暂行办法》的通知") == law_match_key(
        "人力资源社会保障部财政部关于印发〈城乡养老保险制度衔接暂行办法〉的通知")


def test_channels_split_on_boxes_and_unticked_box_is_not_a_channel():
    assert split_channels("阿尔山市人民政府网站 ■阿尔山市政务服务网 ■阿尔山市政务服务中心") == [
        "阿尔山市人民政府网站", "阿尔山市政务服务网", "阿尔山市政务服务中心"]
    assert split_channels("■政府网站 □政务新媒体 ■便民服务站") == ["政府网站", "便民服务站"]
    assert split_channels("□政务新媒体") == []


def test_spaced_out_channel_cell_is_one_run_then_segmented():
    # 000_c073cd0789e26141.txt line 89
    cell = "阿 尔 山 市 人 民 政 府 网 站 阿 尔 山 市 政 务 服 务 网 阿 尔 山 市 政 务 服 务 中 心"
    (run,) = split_channels(cell)
    known = ["阿尔山市人民政府网站", "阿尔山市政务服务网", "阿尔山市政务服务中心"]
    assert segment_known(run, known) == known


def test_segment_known_maps_a_cut_off_name_to_the_whole():
    known = ["新疆政务服务网伊宁市分站", "政府门户网站"]
    assert segment_known("新疆政务服务网伊宁市分站政府门户网站", known) == known
    assert segment_known("网伊宁市分站政府门户网站", known) == known  # 001 line 27
    assert segment_known("阿尔山市政务服务中心", known) == ["阿尔山市政务服务中心"]


def test_content_elements_split():
    assert split_content_elements("事项名称、事项简述、办理材料") == ["事项名称", "事项简述", "办理材料"]
    assert split_content_elements("事项名称、办理材料、 办理方式") == ["事项名称", "办理材料", "办理方式"]


@pytest.mark.parametrize(
    ("text", "days"),
    [("公开事项信息形成或变更之日起20个工作日内公开", 20), ("信息形成或变更之日起二十个工作日内", 20),
     ("自信息形成之日起十五个工作日内", 15), ("7个工作日", 7), ("实时公开", 0), ("开", None), ("", None)],
)
def test_time_limit_in_working_days(text, days):
    assert parse_time_limit(text) == days


def test_spaced_out_digits_are_joined():
    assert parse_time_limit("公 开 事 项 信 息 形 成 之 日 起 2 0 个 工 作 日 内") == 20
