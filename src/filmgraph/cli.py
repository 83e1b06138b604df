"""The ``filmgraph`` command: a thin click layer over the Python API.

Options that are settings come from :data:`filmgraph.settings.SETTINGS` (name, help, default), so
the help, the docs and the API cannot disagree. Heavy modules are imported inside commands to
keep ``filmgraph --help`` fast.
"""
from __future__ import annotations

import json
import os
import sys

import click

from . import __version__
from .errors import FilmgraphError
from .settings import SETTINGS, Settings, setting


def _setting_option(name: str, **extra):
    s = setting(name)
    default = f" [default: {s.default}]" if s.default is not None else ""
    return click.option(s.option, name, default=s.default, metavar=s.metavar, envvar=s.envvar,
                        show_envvar=True, help=s.help + default, **extra)


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
@click.option("-q", "--quiet", is_flag=True, help="No progress messages, even on a terminal.")
@click.version_option(__version__, prog_name="filmgraph")
def cli(project, base_iri, quiet):
    """filmgraph — a knowledge graph of international film cooperation.

    \b
    Typical session:
      filmgraph check            # is the knowledge base sound? (syntax, shapes, integrity)
      filmgraph build            # write dist/filmgraph.trig and dist/filmgraph.nq
      filmgraph stats            # what is in it, and how well it is labelled and sourced

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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_setting_option("store")
@click.pass_context
def stats(ctx, as_json, store):
    """Counts per class and per source, and label and evidence coverage.

    \b
    Examples:
      filmgraph stats
      filmgraph stats --json | jq .labels
    """
    from .dataset import load
    from .summary import stats as run_stats

    dataset = load(settings=_settings(ctx, store=store), progress=_progress(ctx))
    result = run_stats(dataset)
    click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) if as_json else result.text())


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
        click.echo(f"error: {e}" if not str(e).startswith(("error", "check failed")) and "\n" not in str(e)
                   else str(e), err=True)
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
