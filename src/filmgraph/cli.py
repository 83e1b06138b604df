"""The ``filmgraph`` command: a thin click layer over the Python API.

Options that are settings come from :data:`filmgraph.settings.SETTINGS` (name, help, default), so
the help, the docs and the API cannot disagree. Heavy modules are imported inside commands to
keep ``filmgraph --help`` fast.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from . import __version__
from .errors import FilmgraphError
from .settings import SETTINGS, Settings, setting


def _setting_option(name: str, *, inherit: bool = False, **extra):
    """The option of setting ``name``. With ``inherit`` (a setting that is also an option of
    ``filmgraph`` itself), leaving it out keeps the value given before the command."""
    s = setting(name)
    default = f" [default: {s.default}]" if s.default is not None else ""
    return click.option(s.option, name, default=None if inherit else s.default, metavar=s.metavar,
                        envvar=s.envvar, show_envvar=True, help=s.help + default, **extra)


def _progress(ctx: click.Context):
    """Stage messages on stderr when it is a terminal and --quiet is off; else nothing."""
    if ctx.find_root().params.get("quiet") or not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"… {message}", err=True)


def _settings(ctx: click.Context, **overrides) -> Settings:
    values = {s.name: ctx.find_root().params.get(s.name) for s in SETTINGS}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**{k: v for k, v in values.items() if v is not None})


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@_setting_option("project")
@_setting_option("base_iri")
@_setting_option("cache_dir")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages, even on a terminal.")
@click.version_option(__version__, prog_name="filmgraph")
def cli(project, base_iri, cache_dir, quiet):
    """filmgraph — a knowledge graph of international film cooperation.

    \b
    Typical session:
      filmgraph check            # is the knowledge base sound? (syntax, shapes, integrity)
      filmgraph build            # write dist/filmgraph.trig and dist/filmgraph.nq
      filmgraph stats            # what is in it, and how well it is labelled and sourced
      filmgraph queries          # the library of ready-made questions
      filmgraph query films-in-city --param city=阿拉木图 --lang en

    The knowledge base (ontology/, graph/, queries/) is the current folder when it holds
    ontology/ and graph/, else the copy shipped with filmgraph; --project chooses another.
    Errors print as FILE:LINE:COL: what is wrong — how to fix, and exit with status 1.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--base", "base", metavar="IRI",
              help="Base IRI for relative IRIs in the files [default: each file's own location].")
@click.pass_context
def check(ctx, paths, base):
    """Check the knowledge base, or the files and folders given, and report every problem.

    Parses Turtle (.ttl), TriG (.trig), N-Triples and N-Quads strictly, then checks the SHACL
    shapes of ontology/shapes.ttl and the integrity rules (known terms, typed entities, no
    dangling references, evidence quoted verbatim). Files given are checked in the context of the
    knowledge base. Exit 0 with a one-line summary when clean, 1 when any error is found.

    \b
    Examples:
      filmgraph check
      filmgraph check graph/000_4fd766c73458f912.trig
      filmgraph check --base http://example.org/ my-data.ttl
    """
    from .validation import check as run_check

    report = run_check(list(paths) or None, settings=_settings(ctx), base_iri=base, progress=_progress(ctx))
    for problem in report.problems:
        click.echo(str(problem), err=not report.ok)
    click.echo(report.summary(), err=not report.ok)
    ctx.exit(0 if report.ok else 1)


@cli.command()
@click.option("--out", default="dist", show_default=True, metavar="DIR", type=click.Path(),
              help="Output folder, replaced as a whole only when the build succeeds.")
@_setting_option("store")
@click.pass_context
def build(ctx, out, store):
    """Check, load into the embedded store, entail, and write the dataset.

    Writes DIR/filmgraph.trig and DIR/filmgraph.nq (every named graph; the entailed schema.org
    view in its own graph) and DIR/build-report.json. Nothing is written when the check fails,
    and an interrupted or failed build leaves the previous output intact.

    \b
    Examples:
      filmgraph build
      filmgraph build --out /tmp/release --base-iri https://data.example.org/film/
      filmgraph build --store ./store     # also keep an on-disk store for later commands
    """
    from .builder import build as run_build

    report = run_build(settings=_settings(ctx, store=store), out=out, progress=_progress(ctx))
    click.echo(report.summary())


def _remote_options(command):
    """The options of every command that reads the graph: a remote store instead of the embedded one."""
    for name in reversed(("endpoint", "timeout_s", "retries", "endpoint_auth")):
        command = _setting_option(name)(command)
    return command


def _backend(ctx: click.Context, **overrides):
    from .dataset import open_backend

    return open_backend(_settings(ctx, **overrides), progress=_progress(ctx))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_setting_option("store")
@_remote_options
@click.pass_context
def stats(ctx, as_json, store, **remote):
    """Counts per class and per source, and label and evidence coverage.

    \b
    Examples:
      filmgraph stats
      filmgraph stats --json | jq .labels
      filmgraph stats --endpoint http://127.0.0.1:7878/query
    """
    from .summary import stats as run_stats

    settings = _settings(ctx, store=store, **remote)
    result = run_stats(_backend(ctx, store=store, **remote), settings=settings)
    click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) if as_json else result.text())


def _library(ctx):
    from .project import Project
    from .queries import Library

    return Library(Project.locate(_settings(ctx).project).queries_dir)


@cli.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of titles (falling back to the other).")
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON (name, titles, descriptions, parameters).")
@click.pass_context
def queries(ctx, lang, as_json):
    """List the query library: name, title and parameters of each query.

    \b
    Examples:
      filmgraph queries
      filmgraph queries --lang en
    """
    from dataclasses import asdict

    library = _library(ctx)
    if as_json:
        click.echo(json.dumps([{k: v for k, v in asdict(q).items() if k not in ("text", "path")} for q in library],
                              ensure_ascii=False, indent=2))
        return
    other = "en" if lang == "zh" else "zh"
    for q in library:
        params = ", ".join(f"{p.name}={p.default}" if p.default is not None else f"{p.name}?" for p in q.params)
        click.echo(f"{q.name:32} {q.title.get(lang) or q.title.get(other, '')}" + (f"  [{params}]" if params else ""))
    click.echo(f"({len(library)} queries; run one with: filmgraph query NAME --param key=value)")


def _param(ctx, param, values):
    pairs = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not key=value — e.g. --param city=阿拉木图", ctx, param)
        pairs[key] = rest
    return pairs


@cli.command()
@click.argument("query", required=False, metavar="NAME|FILE")
@click.option("--text", "text", metavar="SPARQL", help="Run this query text instead of a library query or file.")
@click.option("--param", "-p", "params", multiple=True, callback=_param, metavar="KEY=VALUE",
              help="Bind a parameter (repeatable). Values are bound as RDF terms, never pasted into the query; "
                   "an IRI parameter also takes a name, e.g. city=阿拉木图.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "markdown"]),
              default="table", show_default=True, help="Output format (CSV has a BOM for spreadsheets).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the labels shown for IRIs (falling back to the other).")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Return at most N rows (SELECT).")
@click.option("--explain", is_flag=True, help="Print the query with its parameters bound; do not run it.")
@_setting_option("store")
@_remote_options
@click.pass_context
def query(ctx, query, text, params, fmt, lang, limit, explain, store, **remote):
    """Run a library query (by NAME), a .rq FILE, or --text, on the embedded store or --endpoint.

    \b
    Examples:
      filmgraph query films-in-city --param city=阿拉木图 --lang en
      filmgraph query shortest-path -p from=韩冰 -p to=莫斯科 --format markdown
      filmgraph query my-question.rq --format csv > answer.csv
      filmgraph query --text 'SELECT ?film WHERE { ?film a <https://schema.org/Movie> }'
      filmgraph query films-in-city --param city=莫斯科 --explain
      filmgraph query films-in-city --endpoint http://127.0.0.1:7878/query
    """
    from pathlib import Path

    from .errors import UsageError
    from .formatting import render
    from .queries import Query, parse_query_file, prepare, run

    if (query is None) == (text is None):
        raise UsageError("give either a query NAME or FILE, or --text 'SPARQL' — `filmgraph queries` lists the library")
    if text is not None:
        q = Query(text)
    elif query.endswith(".rq") or Path(query).is_file():
        q = parse_query_file(query)
    else:
        q = _library(ctx).get(query)
    if explain:
        needs_store = any(p.type == "iri" for p in q.params) or not q.params
        backend = _backend(ctx, store=store, **remote) if needs_store and params else None
        click.echo(prepare(q, params, backend=backend, limit=limit, base_iri=_settings(ctx).base_iri))
        return
    outcome = run(_backend(ctx, store=store, **remote), q, params, limit=limit, lang=lang,
                  base_iri=_settings(ctx).base_iri)
    click.echo(render(outcome, format=fmt), nl=False)


@cli.command()
@click.option("--replace", is_flag=True, help="Replace each remote graph as a whole (default: add to it).")
@click.option("--chunk-triples", type=click.IntRange(min=1), default=5000, show_default=True, metavar="N",
              help="Triples sent per request.")
@_setting_option("graph_store")
@_setting_option("update_endpoint")
@_remote_options
@click.pass_context
def push(ctx, replace, chunk_triples, graph_store, update_endpoint, **remote):
    """Load the built dataset, every named graph, into a remote store.

    Uses the SPARQL 1.1 Graph Store HTTP Protocol (--graph-store), else SPARQL Update
    (--update-endpoint); reports the triples sent per graph and verifies the remote counts.
    Running it twice adds nothing the second time. --endpoint is the store's query endpoint.

    \b
    Examples:
      filmgraph push --endpoint http://127.0.0.1:7878/query --graph-store http://127.0.0.1:7878/store
      filmgraph push --endpoint http://host/sparql --update-endpoint http://host/sparql --replace
    """
    from .dataset import load
    from .errors import UsageError
    from .push import push as run_push
    from .remote import Endpoint, RemoteStore

    settings = _settings(ctx, graph_store=graph_store, update_endpoint=update_endpoint, **remote)
    if not settings.endpoint:
        raise UsageError("push needs --endpoint URL (the store's SPARQL query endpoint, used to verify counts)")
    dataset = load(settings=settings, progress=_progress(ctx))
    remote_store = RemoteStore(Endpoint.from_settings(settings))
    show = _progress(ctx) is not None
    bar = click.progressbar(length=sum(dataset.store.count(g) for g in dataset.store.graphs()),
                            label="pushing", file=sys.stderr) if show else None
    last = {}

    def progress(graph, done, total):
        if bar is not None:
            bar.update(done - last.get(graph, 0))
            last[graph] = done

    try:
        report = run_push(dataset.store, remote_store, base_iri=settings.base_iri, replace=replace,
                          chunk_triples=chunk_triples, progress=progress)
    finally:
        if bar is not None:
            bar.render_finish()
    click.echo(report.text())


def _entity(ctx, backend, value, name):
    """An entity given as an IRI, a prefixed name or any of its names (resolved in the store)."""
    if value is None:
        return None
    from .queries import parse_value

    return parse_value(value, "iri", name=name, backend=backend).value


def _network(ctx, store, remote):
    from .projection import project

    backend = _backend(ctx, store=store, **remote)
    return backend, project(backend, base_iri=_settings(ctx).base_iri)


@cli.command("map")
@click.option("--view", type=click.Choice(["all", "cooperation", "events", "coproductions", "ego", "path", "geo"]),
              default="all", show_default=True, help="What to draw.")
@click.option("--focus", metavar="ENTITY", help="ego view: the entity at the centre (IRI or any name, e.g. 阿拉木图).")
@click.option("--hops", type=click.IntRange(1, 6), default=2, show_default=True, help="ego view: how many links out.")
@click.option("--from", "source", metavar="ENTITY", help="path view: where the connection starts.")
@click.option("--to", "target", metavar="ENTITY", help="path view: where it ends.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language the page opens in (it can switch).")
@click.option("--title", help="Title shown on the page [default: names the view in zh and en].")
@click.option("--out", default="map.html", show_default=True, type=click.Path(dir_okay=False), metavar="FILE.html",
              help="The page to write (atomically).")
@_setting_option("store")
@_remote_options
@click.pass_context
def map_(ctx, view, focus, hops, source, target, lang, title, out, store, **remote):
    """Draw the network as one self-contained HTML page that opens offline with a double-click.

    Nodes are coloured and shaped by type, sized by importance; clicking one shows its
    properties, connections and the source quotes behind each. Search, filters by type,
    country and dates, a zh/en switch and PNG export are in the page. Nothing is loaded
    from the network and nothing from the data is ever run.

    \b
    Examples:
      filmgraph map --out map.html
      filmgraph map --view geo --lang en --out geo.html
      filmgraph map --view ego --focus 阿拉木图 --hops 2 --out almaty.html
      filmgraph map --view path --from 韩冰 --to 莫斯科 --out path.html
    """
    from .networkmap import render_map, write_map

    backend, graph = _network(ctx, store, remote)
    html = render_map(graph, view=view, lang=lang, title=title, hops=hops,
                      focus=_entity(ctx, backend, focus, "focus"), source=_entity(ctx, backend, source, "from"),
                      target=_entity(ctx, backend, target, "to"))
    path = write_map(out, html)
    click.echo(f"wrote {path} ({len(html.encode()) // 1024:,} KiB): open it in a browser")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="Output format on standard output.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of names.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Entries per ranking.")
@click.option("--out", type=click.Path(dir_okay=False), metavar="REPORT.html",
              help="Also write an HTML report with charts.")
@_setting_option("store")
@_remote_options
@click.pass_context
def analyze(ctx, fmt, lang, top, out, store, **remote):
    """Who is central, who brokers between countries, which groups form, and how countries cooperate.

    Degree, betweenness (sampled pivots on large graphs) and eigenvector rankings; brokers
    (entities whose removal disconnects countries); communities; the country-by-country matrix
    of shared events, talks, co-productions and screenings; the event timeline.

    \b
    Examples:
      filmgraph analyze
      filmgraph analyze --lang en --format csv > analysis.csv
      filmgraph analyze --out report.html
    """
    from .analysis import analyze as run_analyze, render, render_report
    from .networkmap import write_map

    _backend_, graph = _network(ctx, store, remote)
    result = run_analyze(graph, top=top)
    click.echo(render(result, format=fmt, lang=lang), nl=False)
    if out:
        write_map(out, render_report(result, lang=lang))
        click.echo(f"wrote {out}", err=True)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json"]), default="graphml",
              show_default=True, help="graphml and gexf for Gephi, json (Cytoscape elements) for Cytoscape.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), metavar="FILE", help="File to write (atomically).")
@_setting_option("store")
@_remote_options
@click.pass_context
def network(ctx, fmt, out, store, **remote):
    """Export the network (the same projection the map draws) for Gephi or Cytoscape.

    \b
    Examples:
      filmgraph network --format graphml --out filmgraph.graphml
      filmgraph network --format json --out filmgraph.cyjs
    """
    from .netexport import export_network

    _backend_, graph = _network(ctx, store, remote)
    result = export_network(graph, out, format=fmt)
    click.echo(f"wrote {out}: {result.nodes:,} nodes, {result.edges:,} edges, {result.bytes:,} bytes")


def _publishing_options(command):
    """The options of commands that publish files: the base, the licence, who publishes, and
    where the data is queried."""
    for name in reversed(("licence", "publisher", "published_endpoint")):
        command = _setting_option(name)(command)
    return _setting_option("base_iri", inherit=True)(command)


def _split(ctx, param, values):
    """Repeated or comma-separated choices, as one tuple."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@cli.command()
@click.option("--format", "-f", "formats", multiple=True, callback=_split, default=("all",), show_default=True,
              metavar="FORMAT", help="ttl, nt, nq, trig, jsonld, rdfxml, csv or all; repeat or separate with "
              "commas.")
@click.option("--profile", "-p", "profiles", multiple=True, callback=_split, default=("full",), show_default=True,
              metavar="PROFILE", help="full (ontology, data, provenance), schema (schema.org terms only) or "
              "public (full minus what is marked fg:internal), or all; repeat or separate with commas.")
@click.option("--out", default="export", show_default=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Folder to write, replaced as a whole only when the export succeeds.")
@_publishing_options
@click.pass_context
def export(ctx, formats, profiles, out, **publishing):
    """Export the graph as linked data for partners, with its description and checksums.

    Writes DIR/<profile>/filmgraph.{ttl,nt,nq,trig,jsonld,rdf} and DIR/<profile>/csv/ (one file
    per main class plus edges.csv, UTF-8 with BOM for spreadsheets), DIR/context.jsonld (the
    JSON-LD context, also inlined in each .jsonld), DIR/description.ttl (VoID and DCAT: counts,
    licence, publisher, one distribution per file with size and SHA-256) and DIR/SHA256SUMS
    (`sha256sum -c SHA256SUMS` verifies). TriG, N-Quads and JSON-LD keep the named graphs (one per
    source); Turtle, N-Triples and RDF/XML hold their merge. See docs/exports.md.

    \b
    Examples:
      filmgraph export                                  # every format of the full profile
      filmgraph export --profile schema --format jsonld,csv --out for-partner
      filmgraph export --profile all --published-endpoint https://data.example.org/sparql
    """
    from .description import describe_export
    from .export import export as run_export

    settings = _settings(ctx, **publishing)
    report = run_export(settings=settings, out=out, formats=formats, profiles=profiles, progress=_progress(ctx),
                        describe=describe_export)
    click.echo(report.summary())


@cli.command()
@click.argument("version")
@click.option("--out", metavar="DIR", type=click.Path(file_okay=False),
              help="Folder to write [default: release-VERSION], replaced as a whole only on success.")
@_publishing_options
@click.pass_context
def release(ctx, version, out, **publishing):
    """Write release VERSION (X.Y.Z): every format of every profile, described, with a README.

    The bundle holds what `filmgraph export --profile all --format all` writes, its dataset
    description (VoID + DCAT, with VERSION), SHA256SUMS and a README for partners in Chinese and
    English: what is inside, licence and attribution, how to load it into Oxigraph, Apache Jena
    Fuseki, Virtuoso and GraphDB, and example queries in schema.org terms.

    \b
    Examples:
      filmgraph release 0.1.0
      filmgraph release 0.2.0 --out /srv/releases/filmgraph-0.2.0
      filmgraph diff release-0.1.0 release-0.2.0     # what changed between them
    """
    from .release import release as run_release

    settings = _settings(ctx, **publishing)
    report = run_release(version, settings=settings, out=out or f"release-{version}", progress=_progress(ctx))
    click.echo(report.text())


@cli.command()
@click.argument("old", type=click.Path(file_okay=False))
@click.argument("new", type=click.Path(file_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of entity names in the summary.")
@click.option("--out", metavar="DIR", type=click.Path(file_okay=False),
              help="Also write the change as RDF there: removed.trig, added.trig, changes.ru (SPARQL "
              "Update turning OLD into NEW) and summary.txt.")
@click.pass_context
def diff(ctx, old, new, lang, out):
    """Say what changed between two releases (or exports), entity by entity.

    Compares OLD/full/filmgraph.nq with NEW/full/filmgraph.nq: every added and removed triple,
    per named graph, grouped by the entity it is about and named in --lang. Exit status 0 either
    way; the summary says when nothing changed.

    \b
    Examples:
      filmgraph diff release-0.1.0 release-0.2.0
      filmgraph diff release-0.1.0 release-0.2.0 --lang en --out changes-0.2.0
    """
    from .changes import diff as run_diff

    result = run_diff(Path(old), Path(new), lang=lang)
    click.echo(result.text(), nl=False)
    if out:
        result.write(Path(out))
        click.echo(f"wrote the change as RDF to {out}", err=True)


SERVER_SETTINGS = ("host", "port", "workers", "query_time_limit_s", "max_rows", "max_query_chars", "max_nesting",
                   "max_body_bytes", "client_concurrency", "worker_memory_mb", "licence", "cors_origins")


def _server_options(command):
    for name in reversed(SERVER_SETTINGS):
        command = _setting_option(name)(command)
    return command


@cli.command()
@_server_options
@_setting_option("base_iri", inherit=True)
@_setting_option("store")
@_remote_options
@click.pass_context
def serve(ctx, store, **options):
    """Serve the graph on the web: SPARQL endpoint, query page, linked data and maps.

    \b
    http://HOST:PORT/          the query page: library queries as forms, a SPARQL editor
    /sparql                    SPARQL 1.1 Protocol endpoint (GET, POST form, POST query);
                               a plain GET gives the service description
    /id/…, /source/…           every IRI under the base: HTML for browsers, Turtle / JSON-LD /
                               N-Triples / RDF/XML by Accept (303 to the document)
    /ontology, /ontology/Term  the ontology, as HTML or Turtle
    /map?view=…                the network maps (views as in `filmgraph map`)

    Read-only and safe to expose: updates, SERVICE and graphs outside the dataset are refused;
    each query runs in a worker process that is killed at the time limit; results are cut at
    --max-rows and marked truncated (X-Filmgraph-Truncated: true); bodies, query length, nesting
    and requests per client are limited. It listens on 127.0.0.1 unless --host says otherwise.
    See docs/security.md.

    \b
    Examples:
      filmgraph serve
      filmgraph serve --port 8080 --query-time-limit-s 5 --max-rows 2000
      filmgraph serve --base-iri http://127.0.0.1:8000/      # entity IRIs resolve here
      filmgraph serve --endpoint http://127.0.0.1:7878/query     # serve a remote store
    """
    from .server import serve as run_server

    settings = _settings(ctx, store=store, **options)

    def ready(url: str) -> None:
        click.echo(f"filmgraph serving {url} — query page {url}, SPARQL endpoint {url}sparql "
                   "(Ctrl+C stops)", err=True)

    run_server(settings=settings, progress=_progress(ctx), ready=ready)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: user errors print one paragraph and exit non-zero, never with a traceback."""
    try:
        code = cli.main(args=argv, prog_name="filmgraph", standalone_mode=False)
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except click.exceptions.Abort:
        click.echo("interrupted — nothing was changed", err=True)
        code = 130
    except FilmgraphError as e:
        text = str(e)
        located = re.match(r"^[^\s:]+(?::\d+){1,2}: ", text) or "\n" in text
        click.echo(text if located else f"error: {text}", err=True)
        code = e.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted — nothing was changed", err=True)
        code = 130
    except Exception as e:  # a bug in filmgraph, not the user's fault: still no traceback
        if os.environ.get("FILMGRAPH_DEBUG"):
            raise
        click.echo(f"internal error: {type(e).__name__}: {e} — this is a bug in filmgraph; please "
                   "report it with the command you ran (set FILMGRAPH_DEBUG=1 to see the traceback)",
                   err=True)
        code = 3
    sys.exit(code or 0)
