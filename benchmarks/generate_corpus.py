#!/usr/bin/env python3
"""Generate a national-scale synthetic corpus of social-insurance disclosure catalogs.

Every county-level government publishes one 社会保险领域基层政务公开标准目录; Gongkai
has two real ones (data/sources/). This script writes as many more as asked, for real
county-level places (GB/T 2260 codes and names from the ``gb2260`` package, extra
``bench``; a seeded synthetic name generator where it is absent), in the seeds' own
damaged PDF-text format, so the real pipeline can be measured at national scale:

    python benchmarks/generate_corpus.py --size 300            # -> benchmarks/corpus/300/
    python benchmarks/generate_corpus.py --size 2850 --seed 7 --out /tmp/corpus
    python benchmarks/generate_corpus.py --size 10 --evaluate  # + parse accuracy vs truth
    gongkai build --manifest benchmarks/corpus/300/sources.toml --store /tmp/store

Output (``--out``, default ``benchmarks/corpus/<size>/``, git-ignored):

- ``sources/<nnnn>_<code>.txt``: one catalog per file, tab-separated lines like the seeds;
- ``sources.toml``: the manifest, in the project's format;
- ``truth.jsonl``: one line per catalog with the items the generator intended (name as
  the catalog's author wrote it, source line, category, the standard item's notation in
  ontology/vocab/standard-items-social-insurance.ttl, the merged-cell block's body, laws,
  days and channels, the damage applied), to measure parse accuracy at scale; ``evaluate``
  (``--evaluate``) parses the corpus with the real parser and compares.

What varies, learned from the seeds: both table layouts (序号 + 一级/二级 with one header;
一级/二级/三级 with the header repeated on every page) and a plain 一级/二级 one; header
words (特定群众/特定群体, 依申请/依申请公开, 县级/乡、村级, 县级/乡级, 县级/乡镇级/
嘎查(社区)级, an extra 咨询电话 or 备注 column); items renamed, missing, added, split into
three levels or flattened, repeated, misspelt; legal bases in short and full titles, with
document numbers, garbled (《信息公示条例》, 《劳动保障条例》), with lost 《》; channels
with ■/□ or spaces or run together; merged cells printed once per block (first row, or
the middle row), cut across pages; rows that lost a cell, gained tick cells or shifted
right; <p> tags, spaces between every character, names wrapped inside their cell,
traditional characters and OCR noise; another county's bodies in the first rows (a
copy-paste slip); a level-2 label on a line of its own; a truncated last row.

Same arguments, same bytes: every catalog draws from its own ``random.Random`` seeded
with the seed and its place code, and files are written one at a time (streaming).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "social-insurance"
DEFAULT_SEED = 2850

# --- reference data -------------------------------------------------------------------

# Level-1 categories, as in the reference list of standard items (ontology/vocab/
# standard-items-social-insurance.ttl; key = local name of the concept),
# with the other labels catalogs print for them: shortened forms that are the
# beginning of the standard label (the seeds' 社会保险缴费申报, 社会保险参保), and
# renamings (a few catalogs rename one category).
CATEGORIES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("registration", "社会保险登记", (), ("社会保险参保登记",)),
    ("record-maintenance", "社会保险参保信息维护", ("社会保险参保",), ("参保信息维护",)),
    ("contribution-declaration", "社会保险缴费申报与变更", ("社会保险缴费申报",), ("缴费申报与变更",)),
    ("contribution-payment", "社会保险费缴纳", (), ("社会保险费征缴",)),
    ("record-enquiry", "社会保险参保缴费记录查询", (), ("参保缴费记录查询", "社会保险查询")),
    ("pension-services", "养老保险服务", ("养老保险",), ("基本养老保险服务",)),
    ("work-injury-services", "工伤保险服务", ("工伤保险",), ("工伤保险待遇",)),
    ("unemployment-services", "失业保险服务", ("失业保险",), ("失业保险待遇",)),
)
CATEGORY_LABEL = {key: label for key, label, _, _ in CATEGORIES}

# The standard items per category, derived from the two seed catalogs and the national
# guideline they follow. One item per line: the standard name, then ' | ' and the names
# catalogs also use; ' =NN-MM' is the item's notation in the reference list
# ontology/vocab/standard-items-social-insurance.ttl (none: an item that list does not
# have yet); a leading '+' marks an item many catalogs leave out; an indented line is a
# level-3 item under the line above (reconciled to its level-2 item, as the reference
# list decides); ' @law,law' names the specific legal basis (keys of LAWS) that replaces
# the category's third one.
STANDARD = """
[registration]
机关事业单位社会保险登记 | 机关事业单位社会保险参保登记 =01-01 @reform
建设工程项目工伤保险参保登记 | 工程建设项目办理工伤保险参保登记 | 建筑项目工伤保险参保登记 =01-02
+企业社会保险登记 | 企业参保登记
职工参保登记 | 职工社会保险参保登记 | 企业职工参保登记 =01-04
城乡居民养老保险参保登记 | 城乡居民基本养老保险参保登记 =01-05
参保单位注销 | 参保单位注销登记 | 单位社会保险注销登记 =01-03
[record-maintenance]
单位（项目）基本信息变更 | 单位基本信息变更 | 参保单位信息变更 =02-01
  企业参保单位社会保险信息变更
  机关事业单位参保单位社会保险信息变更
个人基本信息变更 | 参保人员个人信息变更 =02-02
  企业职工个人社会保险信息变更
  城乡居民养老保险个人信息变更
  机关事业单位参保人员信息变更
  工伤保险个人基本信息变更
养老保险待遇发放账户维护申请 | 基本养老保险待遇发放维护 | 养老保险待遇发放维护 =02-03
工伤保险待遇发放账户维护申请 | 工伤保险待遇发放维护 =02-04
[contribution-declaration]
缴费人员增减申报 | 参保人员增减申报 =03-01
  企业职工参保人员增减申报
  机关事业单位基本养老保险参保人员增减变动
社会保险缴费申报与变更 | 年度缴费工资申报 | 缴费工资申报 =03-02
  机关事业单位养老保险年度缴费工资申报
  机关事业单位养老保险参保人员缴费变更
社会保险费断缴补缴申报 | 社会保险补缴欠费申报 | 社会保险费补缴申报 =03-03
  城乡居民养老保险费断缴补缴申报
  企业职工养老保险费补缴申报
企业职工重复缴费退款 | 重复缴费退费 =03-04
企业职工个人缴费历史更正 =03-05
企业职工个人缴费记录合并 =03-06
[contribution-payment]
一次性缴纳养老保险费申报 | 一次性缴费申报 =04-01
  早期离开国有集体企业人员一次性缴费申报
  离开机关事业单位人员一次性缴费申报
  企业未参保人员一次性缴费申报
  早期下乡知青一次性缴费申报
  宗教教职人员一次性缴费申报
一次性趸缴职工养老保险费申报 =04-02
[record-enquiry]
单位参保证明查询打印 | 单位参保证明查询 | 单位参保证明打印 =05-01
个人权益记录（参保证明）查询打印 | 个人权益查询打印 | 个人参保证明查询打印 | 个人权益记录(参保证明)查询打印 =05-02
[pension-services]
职工正常退休（职）申请 | 职工正常退休申请 | 正常退休申请 =06-01
  企业职工基本养老金申领
  机关事业单位养老保险待遇申领
职工提前退休申请 | 提前退休申请 =06-02
  企业职工从事特殊工种提前退休申请
  职工因病或非因工致残完全丧失劳动能力提前退休申请
城乡居民养老保险待遇申领 | 城乡居民基本养老保险待遇申领 =06-03 @urban-rural
暂停养老保险待遇申请 =06-04
  暂停企业职工养老保险待遇申请
  暂停城乡居民养老保险待遇申请
恢复养老保险待遇申请 =06-05
  恢复企业职工养老保险待遇申请
  恢复城乡居民养老保险待遇申请
个人账户一次性待遇申领 =06-06
  企业职工养老保险个人账户一次性待遇申领
  机关事业单位养老保险个人账户一次性待遇申领
  城乡居民养老保险个人账户一次性待遇申领
企业职工一次性养老保险待遇申领 =06-19
+城乡居民养老保险注销登记 | 居民养老保险注销登记 =06-08
企业职工历史信息审核申请 =06-20
企业职工养老保险待遇重核申请 =06-21
养老保险参保缴费凭证申请 =06-22
养老保险死亡待遇申领 | 丧葬补助金、抚恤金申领 =06-07
  企业职工养老保险死亡待遇申领
  机关事业单位养老保险死亡待遇申领
  城乡居民养老保险死亡待遇申领
+遗属待遇申领 =06-09
+病残津贴申领 =06-10
城镇职工基本养老保险关系转移接续申请 | 企业职工基本养老保险关系转移接续申请 =06-11 @transfer
机关事业单位养老保险关系转移接续申请 | 机关事业单位基本养老保险关系转移接续申请 =06-12 @inst-transfer
城乡居民基本养老保险关系转移接续申请 =06-13
机关事业单位基本养老保险与城镇企业职工基本养老保险互转申请 | 机关事业单位基本养老保险与城镇职工基本养老保险互转申请 =06-14 @inst-transfer
城镇职工基本养老保险与城乡居民基本养老保险制度衔接申请 =06-15 @linkage
军地养老保险关系转移接续 | 军地养老保险关系转移接续申请 =06-16 @military
  退役军人养老保险关系转移接续申请
  未就业随军配偶养老保险关系转移接续申请
多重养老保险关系个人账户退费 =06-17 @transfer-impl
领取待遇资格认证 | 领取养老保险待遇资格认证 =06-18
  企业职工领取养老保险待遇资格认证
  机关事业单位人员领取养老保险待遇资格认证
  城乡居民领取养老保险待遇资格认证
[work-injury-services]
工伤事故备案 | 工伤事故报告 =07-01
用人单位办理工伤登记 | 工伤登记 =07-02
变更工伤登记 | 工伤登记变更 =07-03
工伤认定申请 =07-04
+劳动能力鉴定申请
工伤协议医疗机构的确认 | 协议医疗机构确认 =07-05
辅助器具配置协议机构的确认 =07-06
工伤异地居住（就医）备案 | 异地居住就医申请确认 | 工伤异地居住就医备案 =07-07
异地工伤就医报告确认 =07-08
旧伤复发申请确认 =07-09
工伤保险市外转诊转院申请确认 | 转诊转院申请确认 =07-10
工伤康复申请确认 =07-11
工伤康复治疗期延长申请 | 治疗期延长申请 =07-12
工伤保险辅助器具配置(更换)核付确认与备案 | 辅助器具配置或更换申请 | 工伤保险辅助器具配置（更换）核付确认与备案 =07-13
辅助器具异地配置申请 =07-14
工伤医疗/康复/辅助器具配置费用申报 | 工伤医疗（康复）费用申报 =07-15
工伤保险住院伙食补助费申领 | 住院伙食补助费申领 =07-16
工伤保险市外交通费食宿费申领 | 统筹地区以外交通、食宿费申领 =07-17
一次性工伤医疗补助金申请 | 一次性工伤医疗补助金申领 =07-18
伤残待遇申领（一次性伤残补助金、伤残津贴和生活护理费） | 伤残待遇申领 | 伤残待遇申领（一次性伤残补助金、贴补、津贴和生活护理费） =07-19
工亡待遇申领（一次性工亡补助金、丧葬补助金、供养亲属抚恤金） | 工亡待遇申领 =07-20
工伤保险待遇变更 | 工伤赔偿待遇变更 =07-21
工伤职工和供养亲属领取工伤保险长期待遇资格认证 | 工伤保险长期待遇资格认证 =07-22
[unemployment-services]
失业保险金申领 =08-01
领取失业保险待遇期间死亡丧葬补助金和抚恤金申领 | 丧葬补助金和抚恤金申领 =08-02
失业补助金申领 =08-11
+失业人员生育一次性加发失业保险金申领 =08-12
农民合同制工人一次性生活补助申领 | 农民工合同制工人一次性生活补助申领 =08-05
失业保险关系转移接续 | 失业保险关系转移接续申请 =08-08
稳岗返还（稳岗补贴）申领 | 稳岗补贴申领 | 稳岗返还申领 =08-09
技能提升补贴申领 =08-10
+失业人员稳定就业后一次性失业保险金申领 =08-13
+失业人员自主创业后一次性失业保险金申领 =08-14
失业期间职业技能鉴定补贴申领 | 职业技能鉴定补贴申领 =08-15
+职业培训补贴申领 =08-03
+职业介绍补贴申领 =08-04
+代缴基本医疗保险费 | 代缴基本医疗保险费申请 =08-06
+价格临时补贴申领 =08-07
+非本省户籍人员一次性失业保险金申领 =08-16
核定失业人员停领失业保险待遇 | 停领失业保险待遇核定 =08-17
+领取失业金期间网上签到 =08-18
"""

# Items some counties add that the standard list does not have (standard item: none).
LOCAL_ITEMS: dict[str, tuple[str, ...]] = {
    "registration": ("灵活就业人员参保登记", "被征地农民养老保险参保登记", "社会保障卡申领"),
    "record-maintenance": ("参保人员死亡信息维护", "社会保障卡信息变更"),
    "contribution-declaration": ("灵活就业人员缴费申报", "城乡居民养老保险缴费档次变更"),
    "contribution-payment": ("灵活就业人员社会保险费缴纳", "城乡居民养老保险费代收代缴"),
    "record-enquiry": ("养老金发放记录查询", "社会保险待遇领取证明打印"),
    "pension-services": ("被征地农民养老保险待遇申领", "高龄老人基础养老金增发申请"),
    "work-injury-services": ("工伤预防项目申报", "停工留薪期确认"),
    "unemployment-services": ("失业登记", "就业创业证申领", "失业人员职业培训补贴申领"),
}

# Legal bases: key -> (short title, full title or None, document number or None).
LAWS: dict[str, tuple[str, str | None, str | None]] = {
    "ogi": ("政府信息公开条例", "中华人民共和国政府信息公开条例", "国务院令第711号"),
    "sil": ("社会保险法", "中华人民共和国社会保险法", "主席令第三十五号"),
    "contrib": ("社会保险费征缴暂行条例", None, "国务院令第259号"),
    "injury": ("工伤保险条例", None, "国务院令第586号"),
    "unemp": ("失业保险条例", None, "国务院令第258号"),
    "labour": ("劳动保障监察条例", None, "国务院令第423号"),
    "reform": ("国务院关于机关事业单位工作人员养老保险制度改革的决定", None, "国发〔2015〕2号"),
    "urban-rural": ("国务院关于建立统一的城乡居民基本养老保险制度的意见", None, "国发〔2014〕8号"),
    "transfer": ("国务院办公厅关于转发人力资源社会保障部财政部城镇企业职工基本养老保险关系转移接续暂行办法的通知", None, "国办发〔2009〕66号"),
    "transfer-impl": ("人力资源和社会保障部关于贯彻落实国务院办公厅转发城镇企业职工基本养老保险关系转移接续暂行办法的通知", None, "人社部发〔2009〕187号"),
    "inst-transfer": ("人力资源社会保障部财政部关于机关事业单位基本养老保险关系和职业年金转移接续有关问题的通知", None, "人社部规〔2017〕1号"),
    "linkage": ("人力资源社会保障部财政部关于印发〈城乡养老保险制度衔接暂行办法〉的通知", None, "人社部发〔2014〕17号"),
    "military": ("人力资源社会保障部财政部总参谋部总政治部总后勤部关于军人退役基本养老保险关系转移接续有关问题的通知", None, "后联〔2015〕3号"),
}
# Garbled titles printed in real catalogs (the seeds have the first two).
GARBLED = {"ogi": ("信息公示条例",), "labour": ("劳动保障条例", "劳动保险条例")}
CATEGORY_LAWS = {
    "registration": ("ogi", "sil", "contrib"),
    "record-maintenance": ("ogi", "sil", "contrib"),
    "contribution-declaration": ("ogi", "sil", "contrib"),
    "contribution-payment": ("ogi", "sil"),
    "record-enquiry": ("ogi", "sil", "contrib"),
    "pension-services": ("ogi", "sil", "labour"),
    "work-injury-services": ("ogi", "sil", "injury"),
    "unemployment-services": ("ogi", "sil", "unemp"),
}

CONTENT_FULL = "事项名称、事项简述、办理材料、办理方式、办理时限、结果送达、收费依据及标准、办事时间、办理机构及地点、咨询查询途径、监督投诉渠道"
CONTENT_SHORT = "事项名称、办理材料、办理时限、收费标准、办理机构、咨询方式、投诉渠道"
# (text, working days it states)
TIME_LIMITS: tuple[tuple[str, int | None], ...] = (
    ("公开事项信息形成或变更之日起20个工作日内公开", 20),
    ("信息形成或变更之日起20个工作日内", 20),
    ("自信息形成或者变更之日起20个工作日内予以公开", 20),
    ("自该信息形成或变更之日起二十个工作日内", 20),
    ("信息形成之日起10个工作日内公开", 10),
    ("实时公开", 0),
    ("长期公开", None),
    ("公开事项信息形成或变更之日起２０个工作日内公开", 20),
)
TIME_WEIGHTS = (60, 10, 8, 6, 6, 6, 4, 2)

PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆",
}
CHINESE_NUMBERS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三")

# Simplified -> traditional for the characters the catalogs use; every pair converts
# back with OpenCC t2s (tests/test_generate_corpus.py checks it), so the damage is the
# kind the pipeline is meant to undo.
_TRADITIONAL_PAIRS = (
    "与與业業丧喪个個临臨乡鄉于於亲親从從价價众衆伙夥会會伤傷体體偿償关關养養内內军軍农農决決准準减減凭憑创創办辦务務动動劳勞"
    "区區医醫华華协協单單厅廳历歷参參发發变變号號后後员員咨諮国國备備复復实實审審属屬岗崗并並开開异異录錄彻徹征徵径徑总總户戶"
    "抚撫护護报報换換据據数數断斷旧舊时時暂暫机機权權条條构構标標栏欄档檔残殘灵靈点點热熱疗療监監础礎确確离離种種称稱稳穩筑築"
    "筹籌签籤简簡纳納线線绍紹结結统統续續维維缴繳网網职職联聯衔銜补補见見规規认認训訓议議记記设設证證诉訴诊診询詢该該请請谋謀"
    "财財账賬贯貫贴貼费費资資赔賠趸躉转轉辅輔达達还還遗遺鉴鑑销銷镇鎮长長门門问問间間险險随隨项項预預领領题題龄齡"
)
# OCR noise: characters inserted into place names, and misreadings of whole words.
OCR_INSERTS = "巒丨亻卄乂"
OCR_MISREADINGS = (("人民政府网站", "人民政務網站"), ("社会保障局", "社会保樟局"))

# Fallback place names when the gb2260 package is absent (seeded, GB/T 2260-style).
PROVINCES = (
    (11, "北京市"), (12, "天津市"), (13, "河北省"), (14, "山西省"), (15, "内蒙古自治区"),
    (21, "辽宁省"), (22, "吉林省"), (23, "黑龙江省"), (31, "上海市"), (32, "江苏省"),
    (33, "浙江省"), (34, "安徽省"), (35, "福建省"), (36, "江西省"), (37, "山东省"),
    (41, "河南省"), (42, "湖北省"), (43, "湖南省"), (44, "广东省"), (45, "广西壮族自治区"),
    (46, "海南省"), (50, "重庆市"), (51, "四川省"), (52, "贵州省"), (53, "云南省"),
    (54, "西藏自治区"), (61, "陕西省"), (62, "甘肃省"), (63, "青海省"), (64, "宁夏回族自治区"),
    (65, "新疆维吾尔自治区"),
)
NAME_FIRST = "安宝昌城崇大德定东丰凤福阜高广贵海汉和河衡洪华怀淮会吉嘉建江金晋靖静开康兰乐黎临灵龙隆泸鹿罗洛茂梅蒙米密明南宁平普祁启清庆泉仁荣瑞沙山上邵寿双顺泰太通同万威文武西仙祥新兴秀宣延阳义永余玉元云长昭镇正中舟"
NAME_SECOND = "安昌川德丰峰冈谷和河湖华化江津康乐林陵龙门宁平坪浦桥庆泉山水顺台潭田亭溪乡阳源远云泽州"


def _parse_standard(text: str) -> tuple[StandardItem, ...]:
    items: list[StandardItem] = []
    category = ""
    counters: dict[str, int] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            category = line.strip("[]")
            continue
        child = line.startswith("  ")
        body = line.strip()
        optional = body.startswith("+")
        body = body.lstrip("+")
        laws: tuple[str, ...] = ()
        notation = None
        if " @" in body:
            body, law_keys = body.split(" @")
            laws = tuple(law_keys.split(","))
        if " =" in body:
            body, notation = body.split(" =")
        names = [n.strip() for n in body.split("|")]
        if child:
            parent = items[-1]
            key = f"{parent.key}.{len(parent.children) + 1}"
            sub = StandardItem(key, category, names[0], tuple(names[1:]), parent.laws, False, parent.notation,
                               (), parent.key)
            items[-1] = StandardItem(
                parent.key, parent.category, parent.name, parent.variants, parent.laws,
                parent.optional, parent.notation, (*parent.children, sub), None,
            )
        else:
            counters[category] = counters.get(category, 0) + 1
            key = f"{category}-{counters[category]:02d}"
            items.append(StandardItem(key, category, names[0], tuple(names[1:]), laws, optional, notation))
    return tuple(items)


@dataclass(frozen=True)
class StandardItem:
    key: str
    category: str
    name: str
    variants: tuple[str, ...]
    laws: tuple[str, ...]
    optional: bool
    notation: str | None  # in the reference list of standard items
    children: tuple[StandardItem, ...] = ()
    parent: str | None = None


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    prefecture: str
    province: str


# --- places ---------------------------------------------------------------------------


def gb2260_places() -> list[Place] | None:
    """County-level places of the latest GB/T 2260 table in the gb2260 package, or None."""
    try:
        from gb2260.data import data
    except ImportError:
        return None

    def when(key: int) -> tuple[int, int]:  # keys are years (2013) or year-months (200506)
        return (key, 12) if key < 10000 else divmod(key, 100)

    table = data[max((k for k in data if isinstance(k, int)), key=when)]
    places = []
    placeholders = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
    for code, name in sorted(table.items()):
        if code % 100 == 0 or name in placeholders:
            continue
        prefecture = table.get(code // 100 * 100, "")
        province = table.get(code // 10000 * 10000, "")
        if prefecture in placeholders:
            prefecture = ""
        places.append(Place(f"{code:06d}", name, prefecture, province))
    return places


def synthetic_places(count: int, seed: int) -> list[Place]:
    """A seeded, plausible set of county-level places with GB/T 2260-style codes."""
    rng = random.Random(f"places:{seed}")
    used: set[str] = set()

    def name(suffixes: tuple[str, ...], weights: tuple[int, ...]) -> str:
        attempt = 0
        while True:  # two-character names while they last, then three
            attempt += 1
            stem = rng.choice(NAME_FIRST) + rng.choice(NAME_SECOND)
            if attempt > 40:
                stem = rng.choice(NAME_FIRST) + stem
            if stem not in used:
                used.add(stem)
                return stem + rng.choices(suffixes, weights)[0]

    places: list[Place] = []
    per_province = max(1, -(-max(count, 2850) // len(PROVINCES)))
    for province_code, province in PROVINCES:
        made = 0
        prefecture_number = 0
        while made < per_province and prefecture_number < 90:
            prefecture_number += 1
            inner_mongolia = province_code == 15
            prefecture = name(("市", "盟", "州") if inner_mongolia else ("市", "州", "地区"), (8, 1, 1))
            for county_number in range(1, rng.randint(6, 14) + 1):
                if made >= per_province:
                    break
                suffixes = ("县", "区", "市", "旗") if inner_mongolia else ("县", "区", "市", "自治县")
                county = name(suffixes, (55, 25, 12, 8) if inner_mongolia else (60, 26, 12, 2))
                code = f"{province_code:02d}{prefecture_number:02d}{county_number:02d}"
                places.append(Place(code, county, prefecture, province))
                made += 1
    return places


def choose_places(size: int, seed: int, source: str = "auto") -> tuple[list[Place], str]:
    """``size`` distinct places, sorted by code, and where their names came from."""
    places = None if source == "synthetic" else gb2260_places()
    if places is None:
        if source == "gb2260":
            raise SystemExit("the gb2260 package is not installed (pip install '.[bench]')")
        places, origin = synthetic_places(size, seed), "synthetic"
    else:
        origin = "gb2260"
    if size > len(places):
        known = {p.code for p in places}
        extra = [p for p in synthetic_places(size, seed) if p.code not in known]
        places = places + extra[: size - len(places)]
        origin += "+synthetic"
    rng = random.Random(f"sample:{seed}:{size}")
    return sorted(rng.sample(places, size), key=lambda p: p.code), origin


# --- one catalog ------------------------------------------------------------------------


@dataclass
class Entry:
    """One item as the catalog's author wrote it (before extraction damage)."""

    category: str
    category_label: str
    name: str
    item: str | None  # key of the generator's item (None: a local addition)
    standard: str | None  # notation of the reference standard item
    laws: tuple[str, ...]
    parent: str | None = None  # the level-2 label above a level-3 item
    ticks: tuple[bool, ...] = ()
    damage: list[str] = field(default_factory=list)
    lost: bool = False  # the name cell was lost in extraction: not recoverable


@dataclass
class Block:
    """Rows that share merged cells: the fields are printed once for all of them."""

    entries: list[Entry]
    content: str
    legal: str
    laws: list[str]  # titles as printed (inner text of 《》)
    time: str
    days: int | None
    body: str
    channel: str
    channels: list[str]  # ticked channel names
    phone: str
    style: str  # repeat | first | middle
    html: bool = False
    spaced: bool = False


@dataclass
class Profile:
    layout: str  # numbered (序号+一级/二级) | three (一级/二级/三级) | plain (一级/二级)
    tick_labels: tuple[str, ...]
    extra: str | None
    repeat_header: bool
    misaligned_groups: bool
    trailing_tab: bool
    tick: str
    page_rows: tuple[int, int]
    merge_weights: tuple[int, int, int]  # repeat, first, middle
    category_repeat: bool
    channel_style: str  # lead | boxes | spaces | together
    legal_style: str  # short | full | numbers
    legal_separator: str
    numbering: bool
    damage: float  # 0 (clean) .. 1 (as bad as the worst seed page)
    name_width: int
    field_width: int


def _wrap(text: str, width: int) -> str:
    """A cell wrapped in its PDF column: the line breaks come out as spaces."""
    return " ".join(text[i : i + width] for i in range(0, len(text), width))


def _spaced(text: str) -> str:
    """'spaces between every character' damage."""
    return " ".join(ch for ch in text if ch != " ")


def _traditional(text: str, rng: random.Random, place: str) -> str:
    """Traditional characters, and OCR noise in the place name (阿爾山巒市)."""
    if place and place in text and rng.random() < 0.5 and len(place) >= 3:
        cut = rng.randrange(1, len(place) - 1)
        text = text.replace(place, place[:cut + 1] + rng.choice(OCR_INSERTS) + place[cut + 1 :])
    if rng.random() < 0.3:
        wrong, right = rng.choice(OCR_MISREADINGS)
        text = text.replace(wrong, right, 1)
    return text.translate(TRADITIONAL)


class CatalogWriter:
    """Draws one catalog: its profile, items, merged-cell blocks and damaged lines."""

    def __init__(self, place: Place, other: Place, seed: int) -> None:
        self.place = place
        self.other = other
        self.rng = random.Random(f"catalog:{seed}:{place.code}")
        self.profile = self._profile()
        self.lines: list[str] = []
        self.truth_items: list[dict] = []
        self.blocks_truth: list[dict] = []
        self.category_labels: dict[str, str] = {}
        self.label_lines: list[int] = []  # lines holding only a level-2 label (not items)
        self.slip = False

    # -- profile ----------------------------------------------------------------------

    def _profile(self) -> Profile:
        rng = self.rng
        layout = rng.choices(("numbered", "three", "plain"), (45, 45, 10))[0]
        audience = ("全社会", rng.choices(("特定群众", "特定群体"), (7, 3))[0])
        method = ("主动", rng.choices(("依申请", "依申请公开"), (6, 4))[0])
        levels = [("县级", "乡、村级"), ("县级", "乡级"), ("县级", "乡镇级", "村(社区)级")]
        weights = [70, 12, 10]
        if self.place.code.startswith("15"):
            levels.append(("县级", "苏木(乡镇)级", "嘎查(社区)级"))
            weights.append(40)
        if self.place.name.endswith("区"):
            levels.append(("县级", "乡镇(街道)级"))
            weights.append(15)
        level = rng.choices(levels, weights)[0]
        damage = rng.choices((0.0, 0.3, 0.6, 1.0), (30, 40, 20, 10))[0]
        return Profile(
            layout=layout,
            tick_labels=(*audience, *method, *level),
            extra=rng.choices((None, "咨询电话", "备注"), (85, 10, 5))[0],
            repeat_header=layout == "three" or rng.random() < 0.2,
            misaligned_groups=rng.random() < 0.3,
            trailing_tab=rng.random() < 0.5,
            tick=rng.choices(("√", "✓", "●"), (55, 40, 5))[0],
            page_rows=rng.choice(((5, 8), (6, 10), (8, 12))),
            merge_weights=rng.choice(((80, 15, 5), (30, 60, 10), (10, 70, 20), (50, 40, 10))),
            category_repeat=rng.random() < (0.7 if layout == "numbered" else 0.15),
            channel_style=rng.choices(("lead", "boxes", "spaces", "together"), (35, 30, 25, 10))[0],
            legal_style=rng.choices(("short", "full", "numbers"), (65, 20, 15))[0],
            legal_separator=rng.choices(("、", " ", "，", ""), (80, 8, 6, 6))[0],
            numbering=layout != "numbered" and rng.random() < 0.06,
            damage=damage,
            name_width=rng.randint(4, 7) if layout != "three" else rng.randint(7, 12),
            field_width=rng.randint(8, 16),
        )

    def chance(self, rate: float) -> bool:
        """A damage that happens at ``rate`` in the most damaged catalogs."""
        return self.profile.damage > 0 and self.rng.random() < rate * self.profile.damage

    # -- items ------------------------------------------------------------------------

    def _name(self, item: StandardItem) -> tuple[str, list[str]]:
        rng = self.rng
        damage: list[str] = []
        name = item.name
        if item.variants and rng.random() < 0.25:
            name = rng.choice(item.variants)
            damage.append("renamed")
        if rng.random() < 0.004 * (1 + 2 * self.profile.damage) and len(name) >= 6:
            at = rng.randrange(2, len(name) - 2)
            name = name[: at + 1] + name[at] + name[at + 1 :]  # 工伤康复复: a typo of the author
            damage.append("typo")
        return name, damage

    def entries(self) -> list[Entry]:
        rng, profile = self.rng, self.profile
        three = profile.layout == "three"
        out: list[Entry] = []
        renamed = rng.choice(CATEGORIES)[0] if rng.random() < 0.08 else None
        for key, label, shortened, renamings in CATEGORIES:
            printed = label
            if key == renamed:
                printed = rng.choice(renamings)
            elif shortened and rng.random() < 0.15:
                printed = shortened[0]
            items = [i for i in STANDARD_ITEMS if i.category == key]
            chosen: list[Entry] = []
            for item in items:
                if rng.random() > (0.35 if item.optional else 0.93):
                    continue
                laws = (*CATEGORY_LAWS[key][:2], *item.laws) if item.laws else CATEGORY_LAWS[key]
                if item.children and (rng.random() < (0.7 if three else 0.35)):
                    kids = [c for c in item.children if rng.random() < 0.9] or list(item.children[:1])
                    parent, _ = self._name(item)  # the level-2 label above them (three-level tables)
                    for kid in kids:
                        name, damage = self._name(kid)
                        entry = Entry(key, printed, name, kid.key, kid.notation, laws, damage=damage)
                        entry.parent = parent if three else None
                        chosen.append(entry)
                else:
                    name, damage = self._name(item)
                    chosen.append(Entry(key, printed, name, item.key, item.notation, laws, damage=damage))
            if rng.random() < 0.25:
                local = rng.choice(LOCAL_ITEMS[key])
                chosen.insert(rng.randint(0, len(chosen)), Entry(key, printed, local, None, None, CATEGORY_LAWS[key], damage=["added"]))
            if len(chosen) > 3 and rng.random() < 0.2:  # two neighbours swapped
                at = rng.randrange(len(chosen) - 1)
                if chosen[at].parent == chosen[at + 1].parent:
                    chosen[at], chosen[at + 1] = chosen[at + 1], chosen[at]
            out.extend(chosen)
        return out

    # -- blocks and fields ------------------------------------------------------------

    def _ticks(self, entry: Entry) -> tuple[bool, ...]:
        rng = self.rng
        labels = self.profile.tick_labels
        local = entry.category in ("registration", "pension-services", "record-enquiry")
        values = [True, rng.random() < 0.08, True, rng.random() < 0.12]
        for _ in labels[4:]:
            values.append(rng.random() < (0.6 if local else 0.3))
        values[4] = rng.random() < 0.97  # 县级
        return tuple(values)

    def _legal(self, laws: tuple[str, ...]) -> tuple[str, list[str]]:
        rng, profile = self.rng, self.profile
        parts: list[str] = []
        titles: list[str] = []
        for key in laws:
            short, full, number = LAWS[key]
            title = short
            if profile.legal_style == "full" and full:
                title = full
            if key in GARBLED and rng.random() < (0.6 if key == "labour" else 0.04):
                title = rng.choice(GARBLED[key])
            if "〈" in title and rng.random() < 0.5:
                title = title.replace("〈", "<").replace("〉", ">")
            text = f"《{title}》"
            if key == "transfer-impl" and rng.random() < 0.3:
                # 000 line 55: 《人力资源和社会保障部<关于…的通知> (the closing 》 lost)
                title = title.replace("部关于", "部〈关于", 1) + "〉"
                text = "《" + title.replace("〈", "<").replace("〉", ">")
            if profile.legal_style == "numbers" and number and rng.random() < 0.7:
                text += rng.choice(("（{}）", "({})")).format(number)
            parts.append(text)
            titles.append(title.replace("<", "〈").replace(">", "〉"))
        return profile.legal_separator.join(parts), titles

    def _bodies(self, place: Place) -> dict[str, str]:
        rng = self.rng
        p = place.name
        hr = rng.choices((f"{p}人力资源和社会保障局", f"{p}人社局"), (9, 1))[0]
        si = rng.choice((f"{p}社会保险服务中心", f"{p}社会保险事业管理局", f"{p}社会保险管理中心", f"{p}社会保险事业局", hr))
        emp = rng.choice((f"{p}就业服务中心", f"{p}人力资源和就业服务中心", f"{p}公共就业服务中心", hr))
        bodies = {key: si for key, *_ in CATEGORIES}
        bodies["work-injury-services"] = rng.choice((si, hr))
        bodies["unemployment-services"] = emp
        if rng.random() < 0.3:
            bodies = dict.fromkeys(bodies, hr)
        return bodies

    def _channel_names(self, place: Place) -> list[str]:
        rng = self.rng
        p = place.name
        province = PROVINCE_SHORT.get(place.province, place.province.removesuffix("省").removesuffix("市"))
        pool = [
            f"{p}人民政府网站", f"{p}政务服务网", f"{p}政务服务中心", f"{province}政务服务网{p}分站",
            "政府门户网站", f"{p}人社局微信公众号", "社区公示栏", "12333服务热线", "便民服务中心",
        ]
        first = rng.choice((0, 0, 3, 4))
        rest = [c for i, c in enumerate(pool) if i != first]
        return [pool[first], *rng.sample(rest, rng.randint(1, 3))]

    def _channel_cell(self, names: list[str], block_index: int) -> tuple[str, list[str]]:
        rng, style = self.rng, self.profile.channel_style
        if len(names) > 2 and rng.random() < 0.3:
            names = names[: rng.randint(2, len(names))]  # a block lists fewer channels
        if style == "boxes":
            marks = ["■" if i == 0 or rng.random() < 0.8 else "□" for i in range(len(names))]
            space = rng.choice(("", " "))
            text = " ".join(f"{m}{space}{n}" for m, n in zip(marks, names, strict=True))
            return text, [n for m, n in zip(marks, names, strict=True) if m == "■"]
        if style == "lead":
            space = rng.choice(("", " "))
            return names[0] + "".join(f" ■{space}{n}" for n in names[1:]), list(names)
        if (style == "together" and block_index > 1 and rng.random() < 0.7) or (style == "spaces" and self.chance(0.3)):
            # run together (001's 新疆政务服务网伊宁市分站政府门户网站), after the first blocks
            # have printed them apart
            return "".join(names), list(names)
        return " ".join(names), list(names)

    def blocks(self, entries: list[Entry]) -> list[Block]:
        rng, profile = self.rng, self.profile
        content = CONTENT_FULL if rng.random() < 0.85 else CONTENT_SHORT
        time_text, days = rng.choices(TIME_LIMITS, TIME_WEIGHTS)[0]
        bodies = self._bodies(self.place)
        channels = self._channel_names(self.place)
        phone = f"0{rng.randint(311, 999)}-{rng.randint(2000000, 8999999)}"
        slip_rows = rng.randint(2, 5) if rng.random() < 0.04 else 0
        self.slip = slip_rows > 0
        groups: list[list[Entry]] = []
        for entry in entries:
            previous = groups[-1][-1] if groups else None
            same = previous is not None and previous.category == entry.category and previous.laws == entry.laws
            siblings = same and entry.parent and entry.parent == previous.parent  # level-3 items of one level-2
            if siblings or (same and not entry.parent and not previous.parent and len(groups[-1]) < rng.randint(1, 6)):
                groups[-1].append(entry)
            else:
                groups.append([entry])
        slipped_groups = 0
        if slip_rows:  # the first rows were copied from another county's catalog
            count = 0
            for number, group in enumerate(groups):
                if count + len(group) > slip_rows:
                    if count < slip_rows:
                        groups[number : number + 1] = [group[: slip_rows - count], group[slip_rows - count :]]
                        number += 1
                    slipped_groups = number
                    break
                count += len(group)
        other_bodies = self._bodies(self.other) if slipped_groups else bodies
        other_channels = self._channel_names(self.other) if slipped_groups else channels
        blocks = []
        for index, group in enumerate(groups):
            slipped = index < slipped_groups
            block_bodies = other_bodies if slipped else bodies
            block_channels = other_channels if slipped else channels
            legal, titles = self._legal(group[0].laws)
            block_time, block_days = (time_text, days) if rng.random() < 0.95 else rng.choices(TIME_LIMITS, TIME_WEIGHTS)[0]
            channel_text, ticked = self._channel_cell(block_channels, index)
            style = rng.choices(("repeat", "first", "middle"), profile.merge_weights)[0]
            if len(group) == 1:
                style = "repeat"
            block = Block(
                group, content, legal, titles, block_time, block_days, block_bodies[group[0].category],
                channel_text, ticked, phone, style,
                html=self.chance(0.06), spaced=self.chance(0.05),
            )
            for entry in group:
                entry.ticks = self._ticks(entry)
                if slipped:
                    entry.damage.append(f"slip:{self.other.code}")
            blocks.append(block)
        return blocks

    # -- layout ---------------------------------------------------------------------

    @property
    def field_start(self) -> int:
        return 2 if self.profile.layout == "plain" else 3

    @property
    def width(self) -> int:
        return self.field_start + 5 + len(self.profile.tick_labels) + (1 if self.profile.extra else 0)

    def header_lines(self) -> list[str]:
        p = self.profile
        ticks = len(p.tick_labels)
        groups = ["公开对象", "", "公开方式", "", "公开层级"] + [""] * (ticks - 5)
        if p.misaligned_groups:
            groups = ["公开对象", "", "", "公开方式", "", "公开层级"] + [""] * (ticks - 6)
        content = self.rng.choice(("公开内容（要素）", "公开内容(要素)", "公开内容"))
        channel = self.rng.choices(("公开渠道和载体", "公开渠道"), (9, 1))[0]
        fields = [content, "公开依据", "公开时限", "公开主体", channel]
        names = {"numbered": (["序号", "公开事项", ""], ["", "一级事项", "二级事项"]),
                 "three": (["公开事项", "", ""], ["一级事项", "二级事项", "三级事项"]),
                 "plain": (["公开事项", ""], ["一级事项", "二级事项"])}[p.layout]
        extra = [p.extra] if p.extra else []
        top = [*names[0], *fields, *groups, *extra]
        bottom = [*names[1], *[""] * 5, *p.tick_labels, *[""] * len(extra)]
        tail = [""] if p.trailing_tab else []
        return ["\t".join(top + [""]), "\t".join(bottom + tail)]

    def title_lines(self) -> list[str]:
        rng, name = self.rng, self.place.name
        kind = rng.choices(("numbered", "place", "attachment", "bureau"), (25, 50, 15, 10))[0]
        if kind == "numbered":
            return [f"({rng.choice(CHINESE_NUMBERS)}) 社会保险领域基层政务公开标准目录"]
        if kind == "attachment":
            return [f"附件{rng.randint(1, 9)}", f"{name}社会保险领域基层政务公开标准目录"]
        if kind == "bureau":
            return [f"{name}人力资源和社会保障局社会保险领域基层政务公开标准目录"]
        return [f"{name}社会保险领域基层政务公开标准目录"]

    # -- rendering --------------------------------------------------------------------

    def render(self) -> None:
        rng, p = self.rng, self.profile
        entries = self.entries()
        blocks = self.blocks(entries)
        for block in blocks:
            self.blocks_truth.append({
                "body": block.body, "laws": block.laws, "days": block.days, "channels": block.channels,
            })
        out = self.lines
        out += [""] * rng.randint(0, 2)
        out += self.title_lines()
        out += [""] * rng.randint(0, 3)
        out += self.header_lines()
        page_left = rng.randint(*p.page_rows)
        number = 0
        previous_category = None
        previous_parent = None
        item_numbers: dict[str, int] = {}
        pending_tails: dict[int, str] = {}  # column -> tail of a merged cell cut by a page break
        truncate_last = self.chance(0.4)
        rows = [(b, i, block) for b, block in enumerate(blocks) for i in range(len(block.entries))]
        skip = 0
        for position, (block_index, index, block) in enumerate(rows):
            if skip:
                skip -= 1
                continue
            entry = block.entries[index]
            new_page = page_left <= 0
            if new_page:
                out += [""] * (1 if p.repeat_header else rng.choices((1, 2, 3, 5), (50, 25, 15, 10))[0])
                if p.repeat_header:
                    out += self.header_lines()
                page_left = rng.randint(*p.page_rows)
            page_left -= 1
            # several items in one cell: this row names the next items of its block too
            together = [entry]
            while (index + len(together) < len(block.entries) and not entry.parent and self.chance(0.04)
                   and not block.entries[index + len(together)].parent and len(together) < 3):
                together.append(block.entries[index + len(together)])
            skip = len(together) - 1
            cells = [""] * self.width
            f0 = self.field_start
            # names
            category_cell = 0 if p.layout != "numbered" else 1
            first_of_category = entry.category != previous_category
            if p.category_repeat or first_of_category or (new_page and rng.random() < 0.5):
                cells[category_cell] = entry.category_label
            label_apart = False
            if p.layout == "three" and entry.parent:
                if entry.parent != previous_parent or first_of_category or (new_page and rng.random() < 0.4):
                    following = index + 1 < len(block.entries) and block.entries[index + 1].parent == entry.parent
                    if following and entry.parent != previous_parent and self.chance(0.1):
                        label_apart = True  # the level-2 label comes out on a line of its own (001 line 13)
                    else:
                        cells[1] = entry.parent
                name_column = 2
            else:
                name_column = 2 if p.layout == "numbered" else 1
            numbers = []
            for e in together:
                item_numbers[e.category] = item_numbers.get(e.category, 0) + 1
                numbers.append(f"{CATEGORY_INDEX[e.category]}.{item_numbers[e.category]}" if p.numbering else "")
            name_text = " ".join(n + e.name for n, e in zip(numbers, together, strict=True))
            cells[name_column] = name_text
            if p.layout == "numbered":
                number += 1
                cells[0] = str(number)
            # merged fields
            printed_here = (
                block.style == "repeat"
                or (block.style == "first" and index == 0)
                or (block.style == "middle" and index <= len(block.entries) // 2 < index + len(together))
            )
            fields = [block.content, block.legal, block.time, block.body, block.channel]
            if printed_here:
                for offset, value in enumerate(fields):
                    cells[f0 + offset] = value
                if (block.style == "first" and index + len(together) < len(block.entries) and page_left == 0
                        and self.chance(0.5)):
                    # the merged cells run over the page break: head here, tail on the next page
                    for offset in (0, 1, 2, 3):
                        value = cells[f0 + offset]
                        if len(value) > p.field_width:
                            cut = p.field_width * rng.randint(1, (len(value) - 1) // p.field_width)
                            cells[f0 + offset], pending_tails[f0 + offset] = value[:cut], value[cut:]
                    if len(entry.category_label) > p.name_width and cells[category_cell]:
                        label = entry.category_label
                        cells[category_cell] = label[: p.name_width]
                        pending_tails[category_cell] = label[p.name_width :]
                    entry.damage.append("cut-at-page-break")
                    self.blocks_truth[block_index]["cut"] = True
            elif block.style == "first" and p.layout == "three" and rng.random() < 0.3:
                cells[f0 + 1] = block.legal  # 001 repeats the legal basis on some rows
            if pending_tails and new_page:
                for column, tail in pending_tails.items():
                    if not cells[column]:
                        cells[column] = tail
                pending_tails = {}
            if p.extra == "咨询电话" and printed_here:
                cells[-1] = block.phone
            tick_start = f0 + 5
            for offset, ticked in enumerate(entry.ticks):
                cells[tick_start + offset] = p.tick if ticked else ""
            self._damage_row(cells, block, entry, name_column, together)
            if position == len(rows) - 1 - skip and truncate_last:
                keep = name_column + 1 + rng.randint(0, 1)
                cells = cells[:keep]
                if len(cells) > name_column + 1:
                    cells[-1] = cells[-1][: rng.randint(2, 6)]
                for e in together:
                    e.damage.append("truncated")
            line = "\t".join(cells)
            out.append(line)
            if printed_here:
                self.blocks_truth[block_index].setdefault("fields_line", len(out))
            for e in together:
                self._truth(e, block_index, len(out), len(together) > 1)
            if self.chance(0.02) and not entry.lost and position < len(rows) - 1:  # a row printed twice
                out.append(line)
                for e in together:
                    self._truth(e, block_index, len(out), len(together) > 1, duplicate=True)
            if label_apart:
                out.append("\t".join([entry.parent] + [""] * (self.width - 1)))
                self.label_lines.append(len(out))
            previous_category = entry.category
            previous_parent = entry.parent
        if not truncate_last:
            out += [""] * rng.randint(1, 4)

    def _damage_row(self, cells: list[str], block: Block, entry: Entry, name_column: int, together: list[Entry]) -> None:
        rng, p = self.rng, self.profile
        f0 = self.field_start
        tick_start = f0 + 5
        if p.layout == "numbered" and len(together) == 1 and self.chance(0.015):
            cells[1] = cells[2] = ""  # the name cells were lost (000 lines 85-86)
            entry.lost = True
            entry.damage.append("name-lost")
        if cells[name_column] and len(cells[name_column]) > p.name_width and len(together) == 1 and self.chance(0.25):
            cells[name_column] = _wrap(cells[name_column], p.name_width)
            entry.damage.append("wrapped")
        if block.spaced:
            for column in (f0 + 3, f0 + 4):
                if cells[column]:
                    cells[column] = _spaced(cells[column])
            for column in (f0, f0 + 1, f0 + 2):
                if cells[column]:
                    cells[column] = _wrap(cells[column], p.field_width)
            entry.damage.append("spaced")
        if block.html:
            for column in range(f0, tick_start):
                if cells[column]:
                    value = cells[column].replace(" ■", "          ■") if column == f0 + 4 else cells[column]
                    cells[column] = f"<p>{value}</p>"
            entry.damage.append("html")
        if self.chance(0.03):
            for column, value in enumerate(cells):
                cells[column] = _traditional(value, rng, self.place.name)
            entry.damage.append("traditional")
        # structural damage: the row no longer lines up with the header
        if self.chance(0.05):  # extra tick cells (000 lines 23-28)
            count = len(p.tick_labels) + rng.randint(1, 2)
            cells[tick_start:] = [p.tick] * count
            entry.damage.append("extra-ticks")
        elif self.chance(0.03) and any(cells[f0:tick_start]):  # fields shifted into the tick columns (001 line 44)
            shift = rng.randint(2, 5)
            cells[f0:f0] = [""] * shift
            del cells[self.width :]
            entry.damage.append("shifted")
        elif self.chance(0.10):  # an empty cell collapsed: everything after it moves left
            empties = [i for i, v in enumerate(cells) if not v and i > name_column]
            if empties:
                del cells[rng.choice(empties)]
                entry.damage.append("lost-cell")

    def _truth(self, entry: Entry, block: int, line: int, shared: bool, duplicate: bool = False) -> None:
        item = {
            "line": line,
            "name": entry.name,
            "item": entry.item,
            "standard": entry.standard,
            "category": entry.category,
            "block": block,
            "ticks": "".join("1" if t else "0" for t in entry.ticks),
        }
        self.category_labels[entry.category] = entry.category_label
        if entry.parent:
            item["parent"] = entry.parent
        damage = list(entry.damage)
        if shared:
            damage.append("several-in-one-cell")
        if duplicate:
            damage.append("duplicate-row")
        if damage:
            item["damage"] = damage
        if entry.lost:
            item["lost"] = True
        self.truth_items.append(item)

    def truth(self, file_name: str) -> dict:
        return {
            "file": file_name,
            "place_code": self.place.code,
            "place_name": self.place.name,
            "layout": self.profile.layout,
            "damage_level": self.profile.damage,
            "tick_labels": list(self.profile.tick_labels),
            "slip_place": self.other.code if self.slip else None,
            "categories": self.category_labels,
            "lines": len(self.lines),
            "label_lines": self.label_lines,
            "blocks": self.blocks_truth,
            "items": self.truth_items,
        }


STANDARD_ITEMS = _parse_standard(STANDARD)
CATEGORY_INDEX = {key: n for n, (key, *_) in enumerate(CATEGORIES, start=1)}
TRADITIONAL = str.maketrans(dict(zip(_TRADITIONAL_PAIRS[0::2], _TRADITIONAL_PAIRS[1::2], strict=True)))


# --- the corpus ---------------------------------------------------------------------------


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def generate(size: int, out: Path, seed: int = DEFAULT_SEED, places_source: str = "auto") -> dict:
    """Write ``size`` catalogs, their manifest and truth under ``out``; return a summary."""
    start = time.perf_counter()
    places, origin = choose_places(size, seed, places_source)
    sources = out / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    for stale in sources.glob("*.txt"):
        stale.unlink()
    digits = max(4, len(str(size - 1)))
    lines = items = 0
    with (out / "sources.toml").open("w", encoding="utf-8", newline="\n") as manifest, \
            (out / "truth.jsonl").open("w", encoding="utf-8", newline="\n") as truth:
        manifest.write(
            "# A synthetic corpus of social-insurance disclosure catalogs, written by\n"
            f"# benchmarks/generate_corpus.py --size {size} --seed {seed} (place names: {origin}).\n"
            "# Generated, never edited by hand; see truth.jsonl for what each file was meant to say.\n"
        )
        for index, place in enumerate(places):
            other = places[index - 1] if index else places[-1] if len(places) > 1 else place
            writer = CatalogWriter(place, other, seed)
            writer.render()
            file_name = f"{index:0{digits}d}_{place.code}.txt"
            with (sources / file_name).open("w", encoding="utf-8", newline="\n") as handle:
                handle.write("\n".join(writer.lines))
                handle.write("\n")
            lines += len(writer.lines)
            items += len(writer.truth_items)
            manifest.write(
                "\n[[catalog]]\n"
                f"file = {_toml(file_name)}\n"
                'format = "pdf-text"\n'
                f"place_code = {_toml(place.code)}\n"
                f"place_name = {_toml(place.name)}\n"
                f"province = {_toml(place.province)}\n"
                f"domain = {_toml(DOMAIN)}\n"
                f"publisher = {_toml(place.name + '人民政府')}\n"
                f"title = {_toml(place.name + '社会保险领域基层政务公开标准目录')}\n"
                f"note = {_toml(f'Synthetic catalog ({writer.profile.layout} layout, damage {writer.profile.damage}) generated by benchmarks/generate_corpus.py, seed {seed}; not a published document.')}\n"
            )
            truth.write(json.dumps(writer.truth(file_name), ensure_ascii=False, separators=(",", ":")))
            truth.write("\n")
    return {
        "catalogs": size, "lines": lines, "items": items, "places": origin, "seed": seed,
        "out": str(out), "seconds": round(time.perf_counter() - start, 3),
    }


# --- parse accuracy against the truth -------------------------------------------------


def iter_truth(out: Path) -> Iterator[dict]:
    with (out / "truth.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def _extra_cause(line: int, name: str, missed: list[str], category_labels: set[str], catalog: dict) -> str:
    """Why the parser made an item the generator did not mean (for the report)."""
    if line in catalog.get("label_lines", ()):
        return "level-2 label on a line of its own taken for an item"
    if any(name in m for m in missed):
        return "one name split in two (a line wrap inside the cell)"
    if any(m in name for m in missed):
        return "several names in one cell read as one"
    if name in category_labels:
        return "category label taken for an item"
    return "text of another column taken for an item name"


def evaluate(out: Path) -> dict:
    """Parse every generated catalog with the real parser and compare with truth.jsonl.

    Items match on (line, name). Recall counts the items whose name survived extraction
    (``lost`` ones are reported apart); category and field accuracy are over matched items,
    fields only where the block's merged cells are printed on or above the item's row and
    not cut by a page break (otherwise no reader of the rows so far could know them).
    """
    from collections import Counter

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from gongkai.manifest import load_manifest
    from gongkai.pipeline import parse_source
    from gongkai.vocab import load_vocabulary

    vocabulary = load_vocabulary()
    sources = {s.file_name: s for s in load_manifest(out / "sources.toml")}
    totals: Counter = Counter()
    missed_by_damage: Counter = Counter()
    extra_causes: Counter = Counter()
    damage_counts: Counter = Counter()
    examples: dict[str, list] = {"missed": [], "extra": []}
    for catalog in iter_truth(out):
        parsed = parse_source(sources[catalog["file"]], vocabulary)
        ours = Counter((e.source_line, e.name) for e in parsed.entries)
        entries = {(e.source_line, e.name): e for e in parsed.entries}
        wanted = Counter((i["line"], i["name"]) for i in catalog["items"] if not i.get("lost"))
        matched = wanted & ours
        totals["truth"] += sum(wanted.values())
        totals["lost"] += sum(1 for i in catalog["items"] if i.get("lost"))
        totals["parsed"] += sum(ours.values())
        totals["matched"] += sum(matched.values())
        missed_names: dict[int, list[str]] = {}
        for line, name in (wanted - ours).elements():
            missed_names.setdefault(line, []).append(name)
        labels = set(catalog["categories"].values())
        for line, name in (ours - wanted).elements():
            extra_causes[_extra_cause(line, name, missed_names.get(line, []), labels, catalog)] += 1
            if len(examples["extra"]) < 30:
                examples["extra"].append((catalog["file"], line, name))
        for item in catalog["items"]:
            if item.get("lost"):
                continue
            for kind in item.get("damage", []):
                damage_counts[kind.split(":")[0]] += 1
            key = (item["line"], item["name"])
            entry = entries.get(key)
            if entry is None:
                for kind in item.get("damage", ["none"]):
                    missed_by_damage[kind.split(":")[0]] += 1
                if len(examples["missed"]) < 30:
                    examples["missed"].append((catalog["file"], *key, item.get("damage", [])))
                continue
            block = catalog["blocks"][item["block"]]
            totals["category_checked"] += 1
            printed = catalog["categories"][item["category"]]
            if entry.categories and entry.categories[0] in (CATEGORY_LABEL[item["category"]], printed):
                totals["category_right"] += 1
            if block.get("cut") or block.get("fields_line", item["line"] + 1) > item["line"]:
                # the merged cells are printed below this row, or cut by a page break:
                # nothing in the rows so far says what they hold
                totals["fields_unknowable"] += 1
                continue
            checks = {
                "body": (entry.responsible_body, block["body"]),
                "days": (entry.time_limit_days, block["days"]),
                "laws": ([c.title for c in entry.legal_bases], block["laws"]),
                "channels": (list(entry.channels), block["channels"]),
            }
            for name, (got, expected) in checks.items():
                totals[f"{name}_checked"] += 1
                totals[f"{name}_right"] += got == expected
                wrong = examples.setdefault(f"wrong_{name}", [])
                if got != expected and len(wrong) < 10:
                    wrong.append((catalog["file"], *key, got, expected, item.get("damage", [])))
    recall = totals["matched"] / totals["truth"] if totals["truth"] else 1.0
    precision = totals["matched"] / totals["parsed"] if totals["parsed"] else 1.0
    return {
        "items_intended": totals["truth"] + totals["lost"],
        "items_lost_in_source": totals["lost"],
        "items_recoverable": totals["truth"],
        "items_parsed": totals["parsed"],
        "items_matched": totals["matched"],
        "recall": round(recall, 4),
        "precision": round(precision, 4),
        "fields_checked": totals["body_checked"],
        "fields_unknowable": totals["fields_unknowable"],
        "accuracy": {
            name: round(totals[f"{name}_right"] / totals[f"{name}_checked"], 4) if totals[f"{name}_checked"] else None
            for name in ("category", "body", "days", "laws", "channels")
        },
        "missed_by_damage": {k: f"{v}/{damage_counts.get(k, v)}" for k, v in missed_by_damage.most_common()},
        "extra_by_cause": dict(extra_causes.most_common()),
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10, help="number of catalogs (10, 300, 2850, or any N)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, help="output folder (default benchmarks/corpus/<size>/)")
    parser.add_argument("--places", choices=("auto", "gb2260", "synthetic"), default="auto",
                        help="place names from the gb2260 package, synthetic ones, or gb2260 when installed")
    parser.add_argument("--evaluate", action="store_true", help="then parse the corpus and compare with truth.jsonl")
    args = parser.parse_args(argv)
    if args.size < 1:
        parser.error("--size must be at least 1")
    out = args.out or ROOT / "benchmarks" / "corpus" / str(args.size)
    summary = generate(args.size, out, args.seed, args.places)
    print(json.dumps(summary, ensure_ascii=False))
    if args.evaluate:
        start = time.perf_counter()
        report = evaluate(out)
        report["seconds"] = round(time.perf_counter() - start, 3)
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
