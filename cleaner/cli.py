"""The `cleaner` command: a thin layer over the library (every command is a library call first)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import api
from .errors import RulePackError
from .read import JsonFields, read_inputs


def _fields(id_field, url_field, source_field, text_field, html_field) -> JsonFields:
    base = JsonFields()
    return JsonFields(
        id=(id_field,) if id_field else base.id,
        url=(url_field,) if url_field else base.url,
        source=(source_field,) if source_field else base.source,
        title=base.title,
        date=base.date,
        text=(text_field,) if text_field else base.text,
        html=(html_field,) if html_field else base.html,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def main() -> None:
    """Make scraped news text fit for use: remove boilerplate (and say why), score, deduplicate."""


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Output JSONL (.gz to compress, - for stdout).")
@click.option("--errors", "errors_path", help="Error report JSONL [default: OUTPUT.errors.jsonl].")
@click.option("--summary", "summary_path", help="Summary JSON [default: OUTPUT.summary.json].")
@click.option("--rules", "rule_packs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A user rule pack (YAML/JSON); repeat for more.")
@click.option("--no-score", is_flag=True, help="Skip the scorers (language, readability, flags).")
@click.option("--id-field", help="JSONL field holding the id [default: id].")
@click.option("--url-field", help="JSONL field holding the URL [default: url].")
@click.option("--source-field", help="JSONL field holding the source/site [default: source].")
@click.option("--text-field", help="JSONL field holding extracted text [default: text].")
@click.option("--html-field", help="JSONL field holding raw HTML [default: html].")
@click.option("--progress/--no-progress", default=None, help="Progress bar [default: on a terminal only].")
def clean(inputs, output, errors_path, summary_path, rule_packs, no_score, id_field, url_field, source_field,
          text_field, html_field, progress) -> None:
    """Clean INPUTS (files, folders, globs, or - for JSONL on stdin) into one JSON record per document.

    Formats: .txt, .html/.htm, .jsonl, each optionally .gz. Documents that cannot be processed go to the
    error report; the batch goes on and the summary accounts for every input.

    \b
    Examples:
      cleaner clean fixtures/seeds/*.txt -o out/seeds.jsonl
      cleaner clean crawl/ -o out/clean.jsonl.gz --rules my-site.yaml
      zcat pages.jsonl.gz | cleaner clean - --html-field body -o -
    """
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        summary = api.run_batch(
            list(inputs), output, errors=errors_path, summary=summary_path, rules=list(rule_packs),
            score=not no_score, fields=_fields(id_field, url_field, source_field, text_field, html_field),
            progress=progress,
        )
    except RulePackError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary.text(), err=True)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rules", "rule_packs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A user rule pack (YAML/JSON); repeat for more.")
@click.option("--no-score", is_flag=True, help="Skip the scorers.")
def explain(path, rule_packs, no_score) -> None:
    """Show one document with every removed block marked and the rule and reason that removed it.

    \b
    Example:
      cleaner explain fixtures/seeds/002_83d07605061ef0cb.txt
    """
    from .pipeline import Pipeline

    try:
        pipeline = Pipeline.default(list(rule_packs), score=not no_score)
    except RulePackError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in pipeline.run(read_inputs([path])):
        if hasattr(item, "blocks"):
            click.echo(f"# {item.id}")
            click.echo(api.explain(item))
        else:
            click.echo(f"# {item.id}: error {item.kind}: {item.message}", err=True)
            sys.exit(1)


@main.group()
def rules() -> None:
    """Rule packs: check them against their own examples."""


@rules.command("check")
@click.argument("packs", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def rules_check(packs) -> None:
    """Validate rule PACKS and run the examples they carry (all bundled packs when none is given).

    \b
    Example:
      cleaner rules check rules/generic-en.yaml
    """
    from .rulecheck import check_pack, check_paths

    try:
        results = check_paths([Path(p) for p in packs]) if packs else check_pack(None)
    except RulePackError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = 0
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        click.echo(f"{mark} {result.pack}: {result.name}" + ("" if result.ok else f" — {result.detail}"))
        failed += not result.ok
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        sys.exit(1)


@main.command()
@click.argument("records", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, help="Per-source summary JSON (valid against schemas/sources.schema.json).")
@click.option("--html", "html_path", help="Also write a self-contained HTML report here.")
@click.option("--store", help="SQLite store that keeps each site's history across batches (can be the dedup index).")
@click.option("--worst", default=5, show_default=True, help="Worst documents kept per source for the drill-down.")
def sources(records, output, html_path, store, worst) -> None:
    """Judge the sources (sites) of cleaned RECORDS: boilerplate share, flag rates, languages, readability,
    duplicates and who copies whom, each figure compared with the batch's median.

    \b
    Examples:
      cleaner sources out/clean.jsonl -o out/sources.json --html out/report.html
      cleaner sources out/week2.jsonl -o out/sources.json --store out/cleaner.sqlite
    """
    from .report import write_html_report
    from .sources import iter_jsonl, summarize_sources
    from .write import write_json

    try:
        summary = summarize_sources(iter_jsonl(records), store=store, worst=worst)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    write_json(output, summary)
    if html_path:
        write_html_report(summary, html_path)
    click.echo(f"{len(summary.get('sources', []))} sources from {records} → {output}"
               + (f" and {html_path}" if html_path else ""), err=True)


if __name__ == "__main__":
    main()
