// MARK: - Report inputs

/// Facts about the whole run, shown at the top of index.html.
public struct ReportSummary: Sendable {
    public var title: String
    /// FID of the generated set against the reference statistics.
    public var fid: Double
    /// Number of images in the generated set.
    public var n: Int
    /// The reference statistics file as the user named it.
    public var referencePath: String
    /// Where the reference statistics came from (free text, e.g. "pytorch-fid fid_stats_cifar10_train.npz").
    public var referenceProvenance: String
    /// Hex SHA-256 of the Inception weights file; the page shows its first 16 digits.
    public var weightsSHA256: String
    /// False for anything but pytorch-fid's published weights; the page then shows `warning`.
    public var weightsAreOfficial: Bool
    /// How the generated set was formed (folder, file list, how the explained image joins it).
    public var generatedSetDescription: String
    /// The warning shown when weights are not official (`HTMLReport.defaultWeightsWarning` if nil).
    public var warning: String?
    /// Relative path of the Top-1 class histogram PNG, if one was drawn.
    public var histogramPath: String?
    /// Further lines shown under the summary as given (escaped).
    public var notes: [String]

    public init(
        title: String = "fidviz report", fid: Double, n: Int, referencePath: String, referenceProvenance: String,
        weightsSHA256: String, weightsAreOfficial: Bool, generatedSetDescription: String,
        warning: String? = nil, histogramPath: String? = nil, notes: [String] = []
    ) {
        self.title = title
        self.fid = fid
        self.n = n
        self.referencePath = referencePath
        self.referenceProvenance = referenceProvenance
        self.weightsSHA256 = weightsSHA256
        self.weightsAreOfficial = weightsAreOfficial
        self.generatedSetDescription = generatedSetDescription
        self.warning = warning
        self.histogramPath = histogramPath
        self.notes = notes
    }
}

/// One explained image: its classification, its effect on FID and its panel figure.
public struct ImageCard: Sendable {
    public var file: String
    public var width: Int
    public var height: Int
    public var top1: ClassScore
    public var top5: [ClassScore]
    public var fidBefore: Double
    public var fidAfter: Double
    /// `fidAfter - fidBefore`; positive means the image makes FID worse.
    public var deltaFID: Double
    /// Relative path (from index.html) of the image's panel PNG.
    public var panelPath: String

    public init(
        file: String, width: Int, height: Int, top1: ClassScore, top5: [ClassScore],
        fidBefore: Double, fidAfter: Double, deltaFID: Double, panelPath: String
    ) {
        self.file = file
        self.width = width
        self.height = height
        self.top1 = top1
        self.top5 = top5
        self.fidBefore = fidBefore
        self.fidAfter = fidAfter
        self.deltaFID = deltaFID
        self.panelPath = panelPath
    }
}

// MARK: - index.html

/// Renders the self-contained index.html: inline CSS, no scripts, no network (a
/// Content-Security-Policy forbids scripts and remote styles), images by relative URL. Every
/// caller-provided string is HTML-escaped and every path percent-encoded (`HTMLEscaping`).
public enum HTMLReport {
    public static let defaultWeightsWarning =
        "NOT the official FID weights: numbers are not comparable to published FIDs"

    /// Cards ordered worst first: largest ΔFID first, non-finite ΔFID last, ties by file name.
    public static func worstFirst(_ cards: [ImageCard]) -> [ImageCard] {
        cards.sorted { a, b in
            switch (a.deltaFID.isFinite, b.deltaFID.isFinite) {
            case (true, false): return true
            case (false, true): return false
            case (true, true) where a.deltaFID != b.deltaFID: return a.deltaFID > b.deltaFID
            default: return a.file < b.file
            }
        }
    }

    public static func render(summary: ReportSummary, cards: [ImageCard]) -> String {
        let e = HTMLEscaping.text
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src * data: file:; style-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(summary.title))</title>
        <style>\(stylesheet)</style>
        </head>
        <body>
        <h1>\(e(summary.title))</h1>

        """
        html += summaryBlock(summary)
        let sorted = worstFirst(cards)
        html += "<h2 class=\"section\">Images, worst ΔFID first (\(sorted.count))</h2>\n"
        html += "<p class=\"explain\">ΔFID = FID with the image in the generated set − FID without it. "
            + "Positive: the image pushes FID up (worse).</p>\n"
        for card in sorted {
            html += cardBlock(card)
        }
        html += "</body>\n</html>\n"
        return html
    }

    // MARK: - Blocks

    private static func summaryBlock(_ s: ReportSummary) -> String {
        let e = HTMLEscaping.text
        var html = ""
        if !s.weightsAreOfficial {
            html += "<div class=\"warning\" role=\"alert\">\(e(s.warning ?? defaultWeightsWarning))</div>\n"
        }
        let sha = s.weightsSHA256.count > 16 ? String(s.weightsSHA256.prefix(16)) + "…" : s.weightsSHA256
        html += "<section class=\"summary\"><dl>\n"
        html += row("FID", "<span class=\"big\">\(NumberText.fixed(s.fid, digits: 4))</span>")
        html += row("Generated images (N)", "\(s.n)")
        html += row("Generated set", e(s.generatedSetDescription))
        html += row("Reference statistics", "<code>\(e(s.referencePath))</code><br>\(e(s.referenceProvenance))")
        html += row("Weights SHA-256", "<code title=\"\(e(s.weightsSHA256))\">\(e(sha))</code>"
            + (s.weightsAreOfficial ? " (official pytorch-fid weights)" : " <strong class=\"bad\">(not official)</strong>"))
        for note in s.notes {
            html += "<dt></dt><dd>\(e(note))</dd>\n"
        }
        html += "</dl></section>\n"
        if let histogram = s.histogramPath {
            html += "<figure class=\"histogram\"><img src=\"\(HTMLEscaping.relativeURL(histogram))\" "
                + "alt=\"Top-1 class histogram\"><figcaption>Top-1 classes of the generated set"
                + " (and the reference set, when known)</figcaption></figure>\n"
        }
        return html
    }

    private static func cardBlock(_ c: ImageCard) -> String {
        let e = HTMLEscaping.text
        let deltaClass = c.deltaFID > 0 ? "worse" : (c.deltaFID < 0 ? "better" : "neutral")
        var html = "<article class=\"card\">\n<header><h3>\(e(c.file))</h3>"
        html += "<span class=\"dims\">\(c.width)×\(c.height)</span>"
        html += "<span class=\"delta \(deltaClass)\">ΔFID \(NumberText.signed(c.deltaFID))</span></header>\n"
        html += "<img class=\"panels\" src=\"\(HTMLEscaping.relativeURL(c.panelPath))\" alt=\"panels for \(e(c.file))\">\n"
        html += "<div class=\"facts\">\n<table class=\"top5\"><caption>Top-5 classes</caption>\n"
        for (rank, score) in c.top5.enumerated() {
            let percent = score.probability.isFinite ? max(0, min(100, score.probability * 100)) : 0
            html += "<tr><td class=\"rank\">\(rank + 1)</td><td>#\(score.index) \(e(score.label))</td>"
                + "<td class=\"prob\">\(NumberText.fixed(score.probability, digits: 4))</td>"
                + "<td class=\"barcell\"><div class=\"bar\" style=\"width:\(NumberText.fixed(percent, digits: 1))%\"></div></td></tr>\n"
        }
        html += "</table>\n<dl class=\"fid\">\n"
        html += row("Top-1", "#\(c.top1.index) \(e(c.top1.label)) (p = \(NumberText.fixed(c.top1.probability, digits: 4)))")
        html += row("FID before", NumberText.fixed(c.fidBefore, digits: 4))
        html += row("FID after", NumberText.fixed(c.fidAfter, digits: 4))
        html += row("ΔFID", "<span class=\"\(deltaClass)\">\(NumberText.signed(c.deltaFID))</span>")
        html += "</dl>\n</div>\n</article>\n"
        return html
    }

    /// A definition-list row; `valueHTML` must already be escaped.
    private static func row(_ term: String, _ valueHTML: String) -> String {
        "<dt>\(HTMLEscaping.text(term))</dt><dd>\(valueHTML)</dd>\n"
    }

    private static let stylesheet = """

    body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto;
      max-width: 1700px; padding: 0 16px; color: #222; background: #fff; line-height: 1.4; }
    h1 { font-size: 1.6em; margin: 0 0 12px; }
    h2.section { font-size: 1.25em; margin: 28px 0 4px; }
    p.explain { color: #555; margin: 0 0 12px; font-size: 0.95em; }
    .warning { background: #fdecea; border: 2px solid #c62828; color: #b71c1c; font-weight: bold;
      padding: 10px 14px; margin: 0 0 16px; font-size: 1.1em; }
    .summary dl, dl.fid { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
    .summary { background: #f7f7f7; border: 1px solid #ddd; padding: 12px 16px; }
    dt { color: #555; } dd { margin: 0; overflow-wrap: anywhere; }
    .big { font-size: 1.3em; font-weight: bold; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
    .bad, .worse { color: #b71c1c; } .better { color: #1b5e20; } .neutral { color: #555; }
    figure.histogram { margin: 16px 0; } figure.histogram img { max-width: 100%; height: auto; }
    figcaption { color: #555; font-size: 0.9em; }
    .card { border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; margin: 0 0 18px; }
    .card header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 14px; margin-bottom: 8px; }
    .card h3 { margin: 0; font-size: 1.1em; overflow-wrap: anywhere; }
    .dims { color: #666; } .delta { font-weight: bold; margin-left: auto; }
    img.panels { display: block; max-width: 100%; height: auto; }
    .facts { display: flex; flex-wrap: wrap; gap: 28px; margin-top: 10px; }
    table.top5 { border-collapse: collapse; } table.top5 caption { text-align: left; color: #555; }
    table.top5 td { padding: 2px 8px 2px 0; } td.rank { color: #888; } td.prob { font-variant-numeric: tabular-nums; }
    td.barcell { width: 120px; } .bar { height: 10px; background: #1f77b4; }

    """
}
