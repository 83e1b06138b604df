"""``filmgraph release VERSION --out DIR``: a versioned bundle for partners.

A release is an export of every format of every profile (:func:`filmgraph.export.export`) with,
inside the same atomic swap of the folder, a ``README.md`` for partners in Chinese and English
(what is inside, licence and attribution, how to verify it and load it into Oxigraph, Apache Jena
Fuseki, Virtuoso and GraphDB, three example queries in schema.org terms), the dataset
description (``description.ttl``, see :mod:`filmgraph.description`) and ``SHA256SUMS``
covering every other file. A failure leaves the previous content of ``DIR`` as it was.

The example queries are not written here: they are the library queries (``queries/*.rq``) that
use schema.org terms only, with their titles and descriptions, their default parameters bound.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from . import description
from .errors import UsageError, display_path
from .namespaces import SCHEMA, XSD
from .project import Project
from .queries import Library, Query, prepare
from .settings import DEFAULT_BASE_IRI, Settings

if TYPE_CHECKING:
    from .export import ExportReport

Progress = Callable[[str], None]

README = "README.md"
_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
#: namespaces a query may use and still count as written in schema.org terms
_SCHEMA_ONLY = (SCHEMA, XSD, DEFAULT_BASE_IRI + "id/")
#: how many example queries the README shows
EXAMPLE_QUERIES = 3


def check_version(version: str) -> str:
    """``version`` when it is ``X.Y.Z`` (whole numbers, no leading zeros); else UsageError."""
    if not isinstance(version, str) or not _SEMVER.fullmatch(version):
        raise UsageError(f"version {version!r} is not of the form X.Y.Z — give a semantic version such as "
                         "0.1.0 (three whole numbers without leading zeros, no 'v')")
    return version


@dataclass
class ReleaseReport:
    """What :func:`release` wrote: the folder, the export's report and every file with its size."""

    version: str
    out: Path
    export: "ExportReport"
    files: list[description.FileInfo] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def text(self) -> str:
        lines = [f"{f.bytes:>12,}  {f.path}" for f in self.files]
        lines.append(f"release {self.version}: {len(self.files)} files, {self.bytes:,} bytes in "
                     f"{display_path(self.out)} in {self.seconds:.1f} s; check with `sha256sum -c SHA256SUMS` there")
        return "\n".join(lines)


# -- the example queries -----------------------------------------------------------------------

def _iris(text: str) -> list[str]:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return re.findall(r"<([A-Za-z][\w+.-]*:[^<>\s]*)>", body)


def schema_only(query: Query) -> bool:
    """Whether ``query`` names no term outside schema.org (XSD datatypes and data IRIs allowed)."""
    iris = _iris(query.text)
    return bool(iris) and all(iri.startswith(_SCHEMA_ONLY) for iri in iris) and not re.search(
        r"(?<![\w<])(fg|rdfs|skos|owl|rdf|dcterms|prov|org|foaf):\w", re.sub(r"(?m)^\s*#.*$", "", query.text))


def example_queries(settings: Settings, limit: int = EXAMPLE_QUERIES) -> list[tuple[Query, str]]:
    """The first ``limit`` library queries (by name) in schema.org terms only, each with the text
    to run: defaults bound, data IRIs under ``settings.base_iri``, the header removed."""
    library = Library(Project.locate(settings.project).queries_dir)
    found = []
    for query in library:
        if schema_only(query):
            text = prepare(query, {}, base_iri=settings.base_iri)
            lines = text.splitlines()
            while lines and (lines[0].startswith("#") or not lines[0].strip()):
                lines.pop(0)
            found.append((query, "\n".join(lines).strip() + "\n"))
    return found[:limit]


# -- the README --------------------------------------------------------------------------------

def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n}"


_WHAT = {
    "full": ("完整版", "full"), "public": ("公开版", "public"), "schema": ("schema.org 版", "schema.org"),
}


def readme(*, settings: Settings, version: str, files: Iterable, queries: list[tuple[Query, str]]) -> str:
    """The partners' README in Chinese and English (Markdown). ``files`` are the export's files
    (``path``, ``profile``, ``format``, ``bytes``, ``triples``)."""
    rows = []
    for f in sorted(files, key=lambda f: str(f.path)):
        profile = getattr(f, "profile", None)
        zh, en = _WHAT.get(profile, ("", "")) if profile else ("", "")
        kind = description.FILE_TYPES.get(Path(str(f.path)).suffix, ("", None, Path(str(f.path)).suffix))[2]
        what = f"{kind}, {zh} / {en}" if profile else description._NAMES.get(str(f.path), kind)
        triples = getattr(f, "triples", None)
        rows.append(f"| `{Path(str(f.path)).as_posix()}` | {what} | {_size(f.bytes)} | "
                    f"{f'{triples:,}' if triples else ''} |")
    licence, publisher = settings.licence, settings.publisher
    endpoint = (f"\nSPARQL 端点 / SPARQL endpoint: <{settings.published_endpoint}>\n"
                if settings.published_endpoint else "")
    parts = [f"""# filmgraph {version}

国际电影合作知识图谱：城市、国家、机构、人物、影片、合拍、活动与项目，每条事实注明来源文献。
本包由 {publisher} 发布。

A knowledge graph of international film cooperation: cities, countries, organisations, people,
films, co-productions, events and programmes, each fact with the source document it is taken
from. Published by {publisher}.
{endpoint}
## 内容 / Contents

三个版本（profile），每个都有多种格式 / three profiles, each in several formats:

- `full/` 完整版：本体、数据与出处，命名图保留 / everything: ontology, data and provenance, named graphs kept
- `public/` 公开版：完整版去掉标为内部的内容 / full without what is marked internal
- `schema/` schema.org 版：只用 schema.org 词汇 / schema.org classes and properties only

TriG、N-Quads 与 JSON-LD 保留命名图；Turtle、N-Triples 与 RDF/XML 为合并后的单一图。CSV 为 UTF-8（带 BOM），Excel 可直接打开。
TriG, N-Quads and JSON-LD keep the named graphs; Turtle, N-Triples and RDF/XML hold their merge.
CSV files are UTF-8 with a BOM, so Excel opens Chinese text correctly. The JSON-LD files carry
their `@context` inline (also in `context.jsonld`): no remote context is needed.

| 文件 File | 内容 What | 大小 Size | 三元组 Triples |
| --- | --- | --- | --- |
""" + "\n".join(rows) + f"""
| `description.ttl` | VoID + DCAT 3 数据集描述 / dataset description | | |
| `SHA256SUMS` | 校验和 / checksums | | |

## 许可与署名 / Licence and attribution

许可 / Licence: <{licence}>

发布者 / Publisher: {publisher}

再利用时请注明 / When you reuse it, credit: “filmgraph {version}, {publisher}”, with a link to the
licence, and say whether you changed it.

## 校验 / Verify

```sh
sha256sum -c SHA256SUMS
```

`description.ttl` 用相对 IRI 指向本包中的文件；在 Oxigraph 中载入时请加 `--base`（本文件所在位置的 URL）。
`description.ttl` names the files of this folder by relative IRIs: Jena resolves them against the
file's location; with Oxigraph give `--base` (the URL where you publish the folder, followed by
`description.ttl`).

## 载入 / Loading

以下用 `full/filmgraph.nq`；换成 `public/` 或 `schema/` 即载入其他版本。查询时默认图须为所有命名图的并集；
不支持并集的库可把某一版本合并后的 `filmgraph.nt`（或 `.ttl`）载入默认图。
The examples load `full/filmgraph.nq`; use `public/` or `schema/` for another profile. Queries
expect the default graph to be the union of the named graphs; a store that cannot do that loads a
profile's merged `filmgraph.nt` (or `.ttl`) into its default graph instead.

### Oxigraph

```sh
oxigraph load --location filmgraph-store --file full/filmgraph.nq
oxigraph serve --location filmgraph-store --bind 127.0.0.1:7878 --union-default-graph
# SPARQL: http://127.0.0.1:7878/query
```

### Apache Jena Fuseki

```sh
tdb2.tdbloader --loc filmgraph-tdb2 full/filmgraph.nq
fuseki-server --config filmgraph-fuseki.ttl
# SPARQL: http://localhost:3030/filmgraph/sparql
```

`filmgraph-fuseki.ttl`（默认图为并集 / union default graph）:

```turtle
PREFIX fuseki: <http://jena.apache.org/fuseki#>
PREFIX tdb2:   <http://jena.apache.org/2016/tdb#>

[] a fuseki:Server ; fuseki:services ( <#service> ) .
<#service> a fuseki:Service ;
    fuseki:name "filmgraph" ;
    fuseki:endpoint [ fuseki:operation fuseki:query ; fuseki:name "sparql" ] ;
    fuseki:dataset <#dataset> .
<#dataset> a tdb2:DatasetTDB2 ;
    tdb2:location "filmgraph-tdb2" ;
    tdb2:unionDefaultGraph true .
```

或在 Fuseki 界面新建 TDB2 数据集并上传该文件；此时查询需加 `FROM <urn:x-arq:UnionGraph>`。
Or, in the Fuseki UI, create a dataset and upload the file ("add data"); queries then need
`FROM <urn:x-arq:UnionGraph>` to see every graph.

### Virtuoso

该文件夹须在 `virtuoso.ini` 的 `DirsAllowed` 中 / the folder must be listed in `DirsAllowed` of
`virtuoso.ini`. In `isql` (`isql-vt` on Debian):

```sql
ld_dir('/absolute/path/to/this/folder/full', 'filmgraph.nq', '{settings.base_iri}graph/default');
rdf_loader_run();
checkpoint;
```

N-Quads 中的命名图照原样保留；Virtuoso 的默认图已是所有图的并集。
The named graphs of the N-Quads are kept (the last argument is only for triples without a graph);
Virtuoso's default graph is already the union of all graphs.

### GraphDB

Workbench: Import → RDF → Upload RDF files → `full/filmgraph.nq`, target graphs “From data”.
Or by its RDF4J REST API:

```sh
curl -X POST -H 'Content-Type: application/n-quads' --data-binary @full/filmgraph.nq \\
  http://localhost:7200/repositories/filmgraph/statements
```

GraphDB 的默认图已是所有图的并集 / GraphDB's default graph is already the union of all graphs.

## 示例查询（schema.org 写法）/ Example queries in schema.org terms
"""]
    for query, text in queries:
        parts.append(f"""
### {query.title.get('zh', query.name)} / {query.title.get('en', query.name)}

{query.description.get('zh', '')}

{query.description.get('en', '')}

```sparql
{text}```
""")
    parts.append("""
## 变更 / Changes

`filmgraph diff OLD NEW` 按实体列出两个版本之间的变化，并写出可应用的 RDF：`removed.trig`、`added.trig`
与 SPARQL Update `changes.ru`（在载有旧版本的库上执行即得新版本）。
`filmgraph diff OLD NEW` lists what changed between two releases, per entity, and writes the
change as RDF: `removed.trig`, `added.trig` and the SPARQL Update `changes.ru`, which turns a store
holding OLD into one holding NEW.
""")
    return "".join(parts)


# -- the release -------------------------------------------------------------------------------

def release(version: str, *, settings: Settings = Settings(), out: str | Path, progress: Progress | None = None) -> ReleaseReport:
    """Write release ``version`` (``X.Y.Z``) of the knowledge base of ``settings`` into ``out``.

    Every format of every profile, ``README.md``, ``description.ttl`` and ``SHA256SUMS``, all
    in one atomic replacement of ``out`` (which must be empty, missing, or an earlier export or
    release). Raises :class:`UsageError` for a version that is not ``X.Y.Z``,
    :class:`~filmgraph.errors.CheckFailed` when the knowledge base has errors and
    :class:`~filmgraph.errors.OutputError` when ``out`` cannot be written (it is then unchanged).
    """
    from . import export as exporter

    check_version(version)
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    queries = example_queries(settings)

    def describe(folder: Path, report) -> Path:
        say("writing the README")
        text = readme(settings=report.settings, version=version, files=report.files, queries=queries)
        (Path(folder) / README).write_text(text, encoding="utf-8")
        say("writing the dataset description")
        return description.describe_export(folder, report)

    report = exporter.export(settings=settings, out=out, formats="all", profiles="all",
                             version=version, describe=describe, progress=progress)
    out = Path(out)
    infos = description.bundle_files(out)
    extra = [description._file_info(out, name, None) for name in (description.DESCRIPTION, description.CHECKSUMS)
             if (out / name).is_file()]
    return ReleaseReport(version, out, report, sorted(infos + extra, key=lambda f: f.path),
                         round(time.perf_counter() - started, 3))
