"""The `cleaner` command: a thin layer over the library (every command is a library call first)."""

from __future__ import annotations

import sys
from collections.abc import Callable
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


def _field_options(command: Callable) -> Callable:
    """The JSONL/Parquet field-name options every command that reads inputs takes."""
    for name, what, default in reversed([("id", "the id", "id"), ("url", "the URL", "url"),
                                         ("source", "the source/site", "source"),
                                         ("text", "extracted text", "text"), ("html", "raw HTML", "html")]):
        command = click.option(f"--{name}-field", help=f"JSONL field holding {what} [default: {default}].")(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cleaner")
def main() -> None:
    """Make scraped news text fit for use: remove boilerplate (and say why), score, deduplicate."""


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True,
              help="Output: .jsonl, .jsonl.gz, .jsonl.zst or .parquet (by suffix); - for stdout (JSONL).")
@click.option("--errors", "errors_path", help="Error report JSONL [default: OUTPUT.errors.jsonl].")
@click.option("--summary", "summary_path", help="Summary JSON [default: OUTPUT.summary.json].")
@click.option("--rules", "rule_packs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A user rule pack (YAML/JSON); repeat for more.")
@click.option("--no-score", is_flag=True, help="Skip the scorers (language, readability, flags).")
@_field_options
@click.option("--progress/--no-progress", default=None, help="Progress bar [default: on a terminal only].")
@click.option("-w", "--workers", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes (0 = one per core). Output order is input order whatever the number.")
@click.option("--doc-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds one document may take; a slower one becomes a 'timeout' error line (0 = no limit).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=256, show_default=True,
              help="Documents per chunk: the unit of work for the workers and of a resumable run's progress.")
@click.option("--max-mb", type=click.FloatRange(min=0.001), default=50.0, show_default=True,
              help="Largest document (after decompression) in MiB; a larger one becomes a 'too_large' error line.")
@click.option("--fresh", is_flag=True, help="Discard the finished chunks of an earlier run (OUTPUT.parts/).")
@click.option("--no-resume", is_flag=True, help="Keep no OUTPUT.parts/: a killed run starts over.")
@click.option("--dedup-index", help="Then deduplicate OUTPUT against this persistent index (a SQLite path or "
              "redis://host:port/db?prefix=NAME), as `cleaner dedup` does; OUTPUT must be a file.")
@click.option("--dedup-threshold", type=click.FloatRange(0.05, 1.0),
              help="Jaccard similarity for --dedup-index [default: the index's, 0.6 for a new one].")
@click.option("--templates", "templates_path", type=click.Path(exists=True, dir_okay=False),
              help="Template evidence from `cleaner templates learn`: blocks a site repeats on many of its pages "
              "are removed (rule template/<source>).")
def clean(inputs, output, errors_path, summary_path, rule_packs, no_score, id_field, url_field, source_field,
          text_field, html_field, progress, workers, doc_timeout, chunk_size, max_mb, fresh, no_resume,
          dedup_index, dedup_threshold, templates_path) -> None:
    """Clean INPUTS (files, folders, globs, or - for JSONL on stdin) into one JSON record per document.

    Formats: .txt, .html/.htm, .jsonl (each optionally .gz or .zst), .parquet (columns mapped like JSONL
    fields), WARC (.warc, .warc.gz: HTML responses; other records are counted as skipped). Documents that
    cannot be processed go to the error report; the batch goes on and the summary accounts for every input.

    Resumable: finished chunks are kept in OUTPUT.parts/ as the run goes. If the run is killed, run the same
    command again: it skips the finished chunks and every document is written exactly once. OUTPUT, the error
    report and the summary appear only when the run completes (each written to a temporary file and renamed),
    and OUTPUT.parts/ is then removed. A rerun with other inputs or options is refused (add --fresh to start
    over). Runs reading stdin or writing to stdout are not resumable.

    \b
    Examples:
      cleaner clean fixtures/seeds/*.txt -o out/seeds.jsonl
      cleaner clean crawl/ -o out/clean.jsonl.gz --rules my-site.yaml
      cleaner clean CC-MAIN-*.warc.gz -o out/cc.parquet --workers 0
      zcat pages.jsonl.gz | cleaner clean - --html-field body -o -
      cleaner clean week2/ -o out/week2.jsonl --dedup-index out/cleaner.sqlite
      cleaner clean crawl/ -o out/clean.jsonl --templates out/templates.json
    """
    from .resume import ResumeError

    if progress is None:
        progress = sys.stderr.isatty()
    try:
        summary = api.run_batch(
            list(inputs), output, errors=errors_path, summary=summary_path, rules=list(rule_packs),
            score=not no_score, fields=_fields(id_field, url_field, source_field, text_field, html_field),
            progress=progress, workers=workers, doc_timeout=doc_timeout or None, chunk_size=chunk_size,
            max_bytes=int(max_mb * 1024 * 1024), fresh=fresh, resume=not no_resume,
            dedup_index=dedup_index, dedup_threshold=dedup_threshold, templates=templates_path,
        )
    except (RulePackError, ResumeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary.text(), err=True)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rules", "rule_packs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A user rule pack (YAML/JSON); repeat for more.")
@click.option("--no-score", is_flag=True, help="Skip the scorers.")
@click.option("--templates", "templates_path", type=click.Path(exists=True, dir_okay=False),
              help="Template evidence from `cleaner templates learn`.")
def explain(path, rule_packs, no_score, templates_path) -> None:
    """Show one document with every removed block marked and the rule and reason that removed it.

    \b
    Example:
      cleaner explain fixtures/seeds/002_83d07605061ef0cb.txt
    """
    from .pipeline import Pipeline

    try:
        pipeline = Pipeline.default(list(rule_packs), score=not no_score, templates=templates_path)
    except (RulePackError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for item in pipeline.run(read_inputs([path])):
        if hasattr(item, "blocks"):
            click.echo(f"# {item.id}")
            click.echo(api.explain(item))
        else:
            click.echo(f"# {item.id}: error {item.kind}: {item.message}", err=True)
            sys.exit(1)


@main.group()
def templates() -> None:
    """Cross-page evidence: blocks a site repeats on many of its pages (menus, footers, promos) are template."""


@templates.command("learn")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Templates JSON to write (read by `cleaner clean --templates`).")
@click.option("--min-pages", type=click.IntRange(min=2), default=3, show_default=True,
              help="A block is template when it is on at least this many of a source's pages...")
@click.option("--min-share", type=click.FloatRange(0.0, 1.0), default=0.3, show_default=True,
              help="...and on at least this share of them.")
@click.option("--update", is_flag=True, help="Extend OUTPUT if it exists (pages already counted count once).")
@_field_options
def templates_learn(inputs, output, min_pages, min_share, update, id_field, url_field, source_field, text_field,
                    html_field) -> None:
    """Learn, per source, the blocks repeated across the pages of INPUTS (read as `cleaner clean` reads them)
    and write them to OUTPUT. Deterministic: the same pages give the same file.

    \b
    Examples:
      cleaner templates learn crawl/ -o out/templates.json
      cleaner clean crawl/ -o out/clean.jsonl --templates out/templates.json
    """
    from .templates import summary

    try:
        learner = api.learn_templates(list(inputs), output, fields=_fields(id_field, url_field, source_field,
                                      text_field, html_field), min_pages=min_pages, min_share=min_share,
                                      update=update)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    per_source = summary(learner)
    blocks = sum(v["template_blocks"] for v in per_source.values())
    pages = sum(v["pages"] for v in per_source.values())
    click.echo(f"{pages} pages from {len(per_source)} sources; {blocks} template blocks → {output}", err=True)


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
    from .formats import read_records, write_json_atomic
    from .report import write_html_report
    from .sources import summarize_sources

    try:
        summary = summarize_sources(read_records(records), store=store, worst=worst)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    write_json_atomic(output, summary)
    if html_path:
        write_html_report(summary, html_path)
    click.echo(f"{len(summary.get('sources', []))} sources from {records} → {output}"
               + (f" and {html_path}" if html_path else ""), err=True)


@main.command()
@click.argument("records", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, help="Records with a `dedup` field (.jsonl, .jsonl.gz, .jsonl.zst, .parquet; - for stdout).")
@click.option("--index", "index_path",
              help="Persistent index: a SQLite path, or redis://host:port/db?prefix=NAME [default: in memory].")
@click.option("--threshold", type=click.FloatRange(0.05, 1.0),
              help="Jaccard similarity that makes two texts copies [default: the index's, 0.6 for a new one].")
@click.option("--prefer", "source_priority", multiple=True,
              help="Source to prefer as the canonical copy when dates and completeness tie; repeat in order.")
def dedup(records, output, index_path, threshold, source_priority) -> None:
    """Find syndicated and near-duplicate copies among cleaned RECORDS and against every batch indexed before.

    Each record gets `dedup`: its cluster, the canonical copy (earliest date, then the most complete text, then
    --prefer order, then id), whether it is canonical, and its similarity to the canonical.

    \b
    Examples:
      cleaner dedup out/clean.jsonl -o out/dedup.jsonl --index out/cleaner.sqlite
      cleaner dedup out/week2.jsonl -o out/week2.dedup.jsonl --index out/cleaner.sqlite   # against week 1 too
    """
    from .dedup import dedup_file

    try:
        result = dedup_file(records, output, index=index_path, threshold=threshold,
                            source_priority=source_priority)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{result['records']} records, {result['duplicates']} duplicates in {result['clusters']} clusters; "
               f"{len(result['copy_edges'])} copy edges between sources", err=True)


if __name__ == "__main__":
    main()
