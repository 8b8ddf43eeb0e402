// MARK: - The report page's stylesheet

/// Inline CSS of index.html: a readable column up to 1600 pixels wide, cards with the panel
/// figure at full card width, tables with tabular figures, ΔFID red when it makes FID worse
/// and green when better. Printing drops shadows and keeps cards whole on a page.
enum HTMLReportStyle {
    static let stylesheet = """

    :root { --ink: #1d2329; --muted: #5f6b76; --line: #d9dee3; --panel: #f6f8fa; --bad: #b3261e; --good: #1b6e20; }
    * { box-sizing: border-box; }
    body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1600px;
      padding: 24px 24px 40px; color: var(--ink); background: #fff; line-height: 1.45; font-size: 15px; }
    h1 { font-size: 1.7em; margin: 0 0 14px; }
    h2.section { font-size: 1.3em; margin: 30px 0 4px; }
    p.explain { color: var(--muted); margin: 0 0 14px; max-width: 110ch; }
    a { color: #0b57d0; text-decoration: none; } a:hover { text-decoration: underline; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
    .muted { color: var(--muted); font-weight: normal; }
    .bad, .worse { color: var(--bad); } .better { color: var(--good); } .neutral { color: var(--muted); }

    .warning { background: #fdecea; border: 2px solid var(--bad); border-left-width: 8px; color: #8c1d18;
      font-weight: bold; padding: 12px 16px; margin: 0 0 18px; font-size: 1.1em; border-radius: 4px; }

    .summary { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px;
      display: flex; flex-wrap: wrap; gap: 10px 40px; align-items: flex-start; }
    .headline { display: flex; flex-direction: column; min-width: 180px; }
    .headline .label { color: var(--muted); }
    .headline .meaning { color: var(--muted); font-size: 0.85em; max-width: 34ch; }
    h3.subsection { font-size: 1.1em; margin: 22px 0 8px; }
    .people { color: var(--muted); }
    .big { font-size: 2.1em; font-weight: bold; font-variant-numeric: tabular-nums; line-height: 1.15; }
    .summary dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; flex: 1 1 480px; }
    dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }

    figure.histogram { margin: 18px 0 0; } figure.histogram img { max-width: 100%; height: auto; }
    figcaption { color: var(--muted); font-size: 0.9em; }
    p.lead { font-size: 1.15em; margin: 6px 0 8px; max-width: 110ch; }
    table.matching { margin: 6px 0 12px; }
    table.runs td { white-space: nowrap; overflow-wrap: normal; } table.runs td.wrap { white-space: normal; min-width: 24ch; }
    .grid { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 16px; }
    .grid figure { margin: 0; width: 128px; } .grid img { display: block; max-width: 128px; max-height: 128px; }

    table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
    th { text-align: left; color: var(--muted); font-weight: normal; border-bottom: 1px solid var(--line); padding: 3px 12px 3px 0; }
    td { padding: 3px 12px 3px 0; vertical-align: top; }
    .num { text-align: right; }
    table.overview { width: 100%; margin: 0 0 22px; font-size: 0.95em; }
    table.overview td { border-bottom: 1px solid #eef0f2; overflow-wrap: anywhere; }
    table.overview tbody tr:hover { background: var(--panel); }
    table.classes { margin: 0 0 16px; font-size: 0.95em; }
    table.classes td { border-bottom: 1px solid #eef0f2; vertical-align: middle; overflow-wrap: anywhere; }
    img.thumb { display: block; max-width: 64px; max-height: 64px; border-radius: 3px; }

    .card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px 16px; margin: 0 0 22px;
      box-shadow: 0 1px 3px rgba(0, 0, 0, 0.06); }
    .card header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 14px; margin-bottom: 10px; }
    .card .rank { color: var(--muted); font-weight: bold; }
    .card h3 { margin: 0; font-size: 1.15em; overflow-wrap: anywhere; }
    .dims { color: var(--muted); }
    .top1 { font-weight: bold; }
    .delta { font-weight: bold; font-size: 1.1em; margin-left: auto; font-variant-numeric: tabular-nums; }
    a.panels { display: block; }
    img.panels { display: block; width: 100%; height: auto; border-radius: 4px; background: #eee; }
    img.panels.magnified { image-rendering: pixelated; }
    .road { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
    .road figure { margin: 0; }
    .road img { display: block; width: 360px; height: auto; }
    .road figcaption { font-size: 0.85em; color: var(--muted); }
    .nopanel { color: var(--muted); font-style: italic; margin: 4px 0; }
    .facts { display: flex; flex-wrap: wrap; gap: 12px 48px; margin-top: 12px; align-items: flex-start; }
    table.top5 caption { text-align: left; color: var(--muted); padding-bottom: 2px; }
    td.rank { color: var(--muted); }
    td.barcell { width: 140px; padding-top: 8px; } .bar { height: 9px; background: #1f77b4; border-radius: 2px; }
    dl.fid { display: grid; grid-template-columns: max-content max-content; gap: 3px 18px; margin: 0;
      font-variant-numeric: tabular-nums; }
    dl.fid dd { text-align: right; }

    footer { color: var(--muted); font-size: 0.85em; margin-top: 28px; border-top: 1px solid var(--line); padding-top: 8px; }
    @media print { .card { box-shadow: none; break-inside: avoid; } body { max-width: none; } }

    """
}
