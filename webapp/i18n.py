"""UI strings in Chinese and English, and how a request picks its language.

`?lang=zh|en` switches (and is remembered in a cookie); otherwise the cookie, otherwise
the best of zh/en in Accept-Language; Chinese when nothing says otherwise.
"""

from __future__ import annotations

from flask import Request

LANGUAGES = ("zh", "en")
COOKIE = "gongkai_lang"

STRINGS: dict[str, dict[str, str]] = {
    "site.title": {"zh": "公开 Gongkai：基层政务公开标准目录知识图谱", "en": "Gongkai: disclosure standard catalogs as linked data"},
    "nav.overview": {"zh": "概览", "en": "Overview"},
    "nav.sparql": {"zh": "SPARQL 查询", "en": "SPARQL"},
    "nav.queries": {"zh": "查询库", "en": "Saved queries"},
    "nav.ontology": {"zh": "本体", "en": "Ontology"},
    "nav.shapes": {"zh": "约束", "en": "Shapes"},
    "nav.validation": {"zh": "校验报告", "en": "Validation"},
    "nav.download": {"zh": "下载", "en": "Download"},
    "overview.catalogs": {"zh": "目录", "en": "Catalogs"},
    "overview.places": {"zh": "地区", "en": "Places"},
    "overview.items": {"zh": "公开事项", "en": "Disclosure items"},
    "overview.triples": {"zh": "三元组", "en": "Triples"},
    "overview.violations": {"zh": "违规", "en": "Violations"},
    "overview.warnings": {"zh": "警告", "en": "Warnings"},
    "overview.version": {"zh": "数据版本", "en": "Data version"},
    "overview.built": {"zh": "构建时间", "en": "Built"},
    "overview.intro": {
        "zh": "各县（市、区）按领域发布的基层政务公开标准目录，转换为可用 SPARQL 查询、可追溯到源文件行号的关联数据。",
        "en": "County disclosure standard catalogs, per policy domain, as linked data you can query with SPARQL, every statement traceable to its source file and line.",
    },
    "catalog.place": {"zh": "地区", "en": "Place"},
    "catalog.code": {"zh": "区划代码", "en": "Division code"},
    "catalog.title": {"zh": "目录", "en": "Catalog"},
    "catalog.items": {"zh": "事项数", "en": "Items"},
    "sparql.title": {"zh": "SPARQL 查询编辑器", "en": "SPARQL query editor"},
    "sparql.run": {"zh": "运行", "en": "Run"},
    "sparql.examples": {"zh": "示例查询", "en": "Example queries"},
    "sparql.format": {"zh": "结果格式", "en": "Result format"},
    "sparql.endpoint_note": {
        "zh": "本端点只读；SERVICE 与远程 FROM 已禁用；查询超时与结果行数均有上限。",
        "en": "This endpoint is read-only; SERVICE and remote FROM are disabled; queries have a timeout and a row cap.",
    },
    "results.truncated": {"zh": "结果已截断：只显示前 {n} 行。", "en": "Results truncated: only the first {n} rows are shown."},
    "results.none": {"zh": "没有结果。", "en": "No results."},
    "results.rows": {"zh": "{n} 行", "en": "{n} rows"},
    "queries.title": {"zh": "查询库", "en": "Saved queries"},
    "queries.parameters": {"zh": "参数", "en": "Parameters"},
    "queries.run": {"zh": "运行查询", "en": "Run query"},
    "queries.sparql": {"zh": "SPARQL 文本", "en": "SPARQL text"},
    "queries.open_editor": {"zh": "在编辑器中打开", "en": "Open in editor"},
    "queries.download": {"zh": "下载", "en": "Download"},
    "queries.previous": {"zh": "上一页", "en": "Previous"},
    "queries.next": {"zh": "下一页", "en": "Next"},
    "resource.outgoing": {"zh": "属性", "en": "Properties"},
    "resource.incoming": {"zh": "被引用", "en": "Referenced by"},
    "resource.provenance": {"zh": "来源", "en": "Provenance"},
    "resource.validation": {"zh": "校验结果", "en": "Validation results"},
    "resource.formats": {"zh": "其他格式", "en": "Other formats"},
    "resource.not_found": {"zh": "图谱中没有这个资源。", "en": "This resource is not in the graph."},
    "validation.title": {"zh": "SHACL 校验报告", "en": "SHACL validation report"},
    "validation.none": {"zh": "没有结果。", "en": "No results."},
    "download.title": {"zh": "数据下载", "en": "Downloads"},
    "download.intro": {
        "zh": "整个图谱的转储，每个目录一个命名图；gzip 压缩。",
        "en": "Dumps of the whole graph, one named graph per catalog; gzip-compressed.",
    },
    "ontology.title": {"zh": "Gongkai 本体", "en": "The Gongkai ontology"},
    "ontology.classes": {"zh": "类", "en": "Classes"},
    "ontology.properties": {"zh": "属性", "en": "Properties"},
    "shapes.title": {"zh": "SHACL 约束", "en": "SHACL shapes"},
    "resource.types": {"zh": "类型", "en": "Type"},
    "resource.property": {"zh": "属性", "en": "Property"},
    "resource.value": {"zh": "值", "en": "Value"},
    "resource.subject": {"zh": "资源", "en": "Resource"},
    "resource.raw_text": {"zh": "源文本", "en": "Raw text"},
    "resource.prov_kind": {"zh": "关系", "en": "Relation"},
    "resource.prov_derived": {"zh": "来源行", "en": "Derived from"},
    "resource.prov_merged": {"zh": "合并单元格来自", "en": "Merged cell from"},
    "resource.file": {"zh": "源文件", "en": "Source file"},
    "resource.line": {"zh": "行号", "en": "Line"},
    "resource.other_place": {
        "zh": "公开主体或渠道「{via}」所属地为{place}，与目录所属地{home}不同（源目录原文如此，图谱保留可见）。",
        "en": "{via} names a different place than the catalog: {place}, not {home} (so printed in the source catalog; the graph keeps it visible).",
    },
    "resource.graph_summary": {"zh": "命名图内容", "en": "Named graph"},
    "resource.graph_triples": {"zh": "这个 IRI 也是一个命名图的名称，含 {n} 个三元组。", "en": "This IRI also names a graph of {n} triples."},
    "resource.class": {"zh": "类", "en": "Class"},
    "resource.instances": {"zh": "实例数", "en": "Instances"},
    "resource.incoming_capped": {"zh": "共 {total} 条，只显示前 {shown} 条。", "en": "{total} in all; the first {shown} are shown."},
    "resource.no_incoming": {"zh": "没有资源引用它。", "en": "Nothing links here."},
    "resource.graphs": {"zh": "所在命名图", "en": "Named graphs"},
    "resource.role_subject": {"zh": "描述", "en": "described"},
    "resource.role_object": {"zh": "被引用", "en": "referenced"},
    "resource.role_graph": {"zh": "图名", "en": "graph name"},
    "resource.conneg_note": {
        "zh": "同一 IRI 按 Accept 请求头返回 HTML、Turtle、JSON-LD、N-Triples 或 RDF/XML；也可用 ?format= 指定。",
        "en": "The same IRI serves HTML, Turtle, JSON-LD, N-Triples or RDF/XML by the Accept header, or by ?format=.",
    },
    "severity.Violation": {"zh": "违规", "en": "Violation"},
    "severity.Warning": {"zh": "警告", "en": "Warning"},
    "severity.Info": {"zh": "提示", "en": "Info"},
    "validation.severity": {"zh": "级别", "en": "Severity"},
    "validation.path": {"zh": "属性路径", "en": "Path"},
    "validation.value": {"zh": "值", "en": "Value"},
    "validation.message": {"zh": "说明", "en": "Message"},
    "validation.focus": {"zh": "对象", "en": "Focus node"},
    "validation.conforms": {"zh": "图谱符合约束：没有违规。警告与提示反映的是源目录本身的问题。", "en": "The graph conforms: no Violation. Warnings and Infos describe problems of the source catalogs."},
    "validation.not_conforms": {"zh": "图谱不符合约束：存在违规。", "en": "The graph does not conform: there are Violations."},
    "validation.intro": {
        "zh": "最近一次构建时用 SHACL 约束对每个目录命名图的校验结果，按级别和目录分组；每条结果链接到其对象页面。",
        "en": "The SHACL report of the latest build, over every catalog graph, grouped by severity and by catalog; each result links to its focus node.",
    },
    "validation.by_catalog": {"zh": "按目录统计", "en": "Counts by catalog"},
    "validation.filter": {"zh": "只看此目录", "en": "only this catalog"},
    "validation.total": {"zh": "合计", "en": "Total"},
    "validation.filtered": {"zh": "已筛选：", "en": "Filtered:"},
    "validation.show_all": {"zh": "显示全部", "en": "show all"},
    "validation.truncated": {"zh": "结果过多：只列出前 {n} 条，请按级别或目录筛选，或下载 JSON。", "en": "Too many results: only the first {n} are listed; filter by severity or catalog, or download the JSON."},
    "ontology.namespace": {"zh": "命名空间", "en": "Namespace"},
    "ontology.version": {"zh": "版本", "en": "Version"},
    "ontology.license": {"zh": "许可", "en": "License"},
    "ontology.term": {"zh": "术语", "en": "Term"},
    "ontology.label": {"zh": "名称", "en": "Label"},
    "ontology.comment": {"zh": "说明", "en": "Comment"},
    "ontology.subclass_of": {"zh": "上位类（对齐）", "en": "Subclass of (alignment)"},
    "ontology.subproperty_of": {"zh": "上位属性（对齐）", "en": "Subproperty of (alignment)"},
    "ontology.domain": {"zh": "定义域", "en": "Domain"},
    "ontology.range": {"zh": "值域", "en": "Range"},
    "shapes.intro": {
        "zh": "构建时用来校验每个目录命名图的 SHACL 约束；违规表示图谱结构错误，警告和提示反映源目录的问题。",
        "en": "The SHACL shapes every catalog graph is validated with at build time; Violations are structural errors, Warnings and Infos problems of the source catalogs.",
    },
    "shapes.shape": {"zh": "约束", "en": "Shape"},
    "shapes.target": {"zh": "目标", "en": "Target"},
    "shapes.via_node": {"zh": "经 sh:node 由 {shapes} 引用", "en": "used through sh:node by {shapes}"},
    "shapes.path": {"zh": "属性路径", "en": "Path"},
    "shapes.constraints": {"zh": "条件", "en": "Constraints"},
    "shapes.severity": {"zh": "级别", "en": "Severity"},
    "shapes.messages": {"zh": "说明（中 / 英）", "en": "Messages (zh / en)"},
    "shapes.default": {"zh": "默认", "en": "default"},
    "download.file": {"zh": "文件", "en": "File"},
    "download.format": {"zh": "格式", "en": "Format"},
    "download.media": {"zh": "媒体类型", "en": "Media type"},
    "download.graphs": {"zh": "命名图", "en": "Named graphs"},
    "download.size": {"zh": "大小", "en": "Size"},
    "download.named_graphs": {"zh": "保留（每个目录一个）", "en": "kept (one per catalog)"},
    "download.union": {"zh": "合并为一个图", "en": "merged into one graph"},
    "download.on_demand": {"zh": "首次下载时生成", "en": "made on first download"},
    "download.gzip_note": {
        "zh": "文件以 application/gzip 提供，需解压后再读取；同一数据版本的文件内容不变（ETag 为数据版本）。",
        "en": "Files are served as application/gzip: decompress before reading. The same data version always gives the same file (its ETag is the data version).",
    },
    "download.void": {"zh": "数据集描述（VoID / DCAT）", "en": "Dataset description (VoID / DCAT)"},
    "download.void_note": {"zh": "数据集及各目录子集的 VoID 描述（Turtle）。", "en": "The VoID description of the dataset and its per-catalog subsets (Turtle)."},
    "download.more": {"zh": "其他", "en": "More"},
    "error.title": {"zh": "出错了", "en": "Error"},
    "lang.switch": {"zh": "English", "en": "中文"},
}


def pick_language(request: Request) -> str:
    wanted = request.args.get("lang") or request.cookies.get(COOKIE)
    if wanted in LANGUAGES:
        return wanted
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"], default="zh")
    return "en" if best == "en" else "zh"


def translate(key: str, lang: str, **values: object) -> str:
    text = STRINGS.get(key, {}).get(lang) or STRINGS.get(key, {}).get("en") or key
    return text.format(**values) if values else text
