"""Query results as text: an aligned table (CJK-aware widths), Markdown, CSV, TSV, JSON.

Tables and Markdown show an IRI by its label in the chosen language (its short name when it has
none); CSV, TSV and JSON keep the IRI and add a ``VAR_label`` column beside each column that
holds IRIs. JSON is the W3C SPARQL 1.1 Query Results JSON format. CSV starts with a UTF-8 BOM so
that spreadsheet programs read Chinese correctly.
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata

import pyoxigraph as ox

from .namespaces import shorten
from .queries import Outcome
from .store import Boolean, Solutions, Triples

FORMATS = ("table", "csv", "tsv", "json", "markdown")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _cell(term, labels: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return labels.get(term.value) or shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _columns(result: Solutions, labels: dict[str, str]) -> list[tuple[str, str | None]]:
    """(column name, variable whose label it shows or None)."""
    columns = []
    for var in result.variables:
        columns.append((var, None))
        if any(isinstance(row.get(var), ox.NamedNode) and row[var].value in labels for row in result.rows):
            columns.append((f"{var}_label", var))
    return columns


def json_term(term) -> dict:
    """``term`` as the W3C SPARQL 1.1 Query Results JSON format writes it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def render(outcome: Outcome, *, format: str = "table") -> str:
    """``outcome`` as text in ``format`` (one of :data:`FORMATS`); ASK gives true/false and
    CONSTRUCT/DESCRIBE give Turtle whatever the format."""
    result, labels = outcome.result, outcome.labels
    if isinstance(result, Boolean):
        return json.dumps({"head": {}, "boolean": result.value}) + "\n" if format == "json" else f"{str(result.value).lower()}\n"
    if isinstance(result, Triples):
        return ox.serialize(result.triples, format=ox.RdfFormat.TURTLE).decode()
    columns = _columns(result, labels)

    def value(row, name, of):
        return labels.get(row[of].value, "") if of else (row[name].value if name in row else "")

    if format in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if format == "csv" else "\t", lineterminator="\n")
        writer.writerow([name for name, _ in columns])
        for row in result.rows:
            writer.writerow([value(row, name, of) if (of is None or of in row) else "" for name, of in columns])
        return ("\ufeff" if format == "csv" else "") + buffer.getvalue()
    if format == "json":
        bindings = []
        for row in result.rows:
            b = {v: json_term(t) for v, t in row.items()}
            for name, of in columns:
                if of and of in row and row[of].value in labels:
                    b[name] = {"type": "literal", "value": labels[row[of].value]}
            bindings.append(b)
        doc = {"head": {"vars": [name for name, _ in columns]}, "results": {"bindings": bindings}}
        if outcome.truncated:
            doc["truncated"] = True
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    header = result.variables
    cells = [[_cell(row.get(v), labels) for v in header] for row in result.rows]
    note = f"{len(result.rows)} row(s)" + (f"; limit {outcome.limit} reached, there may be more" if outcome.truncated else "")
    if format == "markdown":
        esc = lambda text: text.replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in cells]
        return "\n".join(lines) + f"\n\n{note}\n"
    widths = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c.replace("\n", " "), w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines) + f"\n({note})\n"
