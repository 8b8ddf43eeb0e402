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

/// Renders the self-contained index.html: inline CSS, no scripts, no network. A
/// Content-Security-Policy forbids scripts, remote styles and remote images (images load from
/// the report's own folder, also when opened as file://). Every caller-provided string is
/// HTML-escaped and every path percent-encoded (`HTMLEscaping`).
///
/// The page: the title, the not-official-weights warning when it applies, a summary (FID, N,
/// the generated set, reference statistics, weights), the Top-1 class histogram, an overview
/// table of all images worst ΔFID first (each row links to its card), then one card per
/// image: file name, size, Top-1 and ΔFID in the header, the panel figure at full card width
/// (a link to the PNG at its own resolution), the Top-5 table and the FID numbers.
public enum HTMLReport {
    public static let defaultWeightsWarning =
        "NOT the official FID weights: numbers are not comparable to published FIDs"

    /// Content-Security-Policy of the page: nothing from the network, images only from the
    /// report's own origin (the folder, for file://) or data: URLs, inline styles only.
    public static let contentSecurityPolicy =
        "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

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
        <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(summary.title))</title>
        <style>\(HTMLReportStyle.stylesheet)</style>
        </head>
        <body>
        <h1>\(e(summary.title))</h1>

        """
        html += summaryBlock(summary)
        let sorted = worstFirst(cards)
        html += "<h2 class=\"section\">Images, worst ΔFID first (\(sorted.count))</h2>\n"
        html += "<p class=\"explain\">ΔFID = FID with the image in the generated set − FID without it. "
            + "Positive (red): the image pushes FID up, i.e. makes the set look less like the reference. "
            + "Heat panels: FID sensitivity is how strongly each region moves FID; Top-1 Grad-CAM is where "
            + "the Inception network sees its Top-1 ImageNet class.</p>\n"
        if !sorted.isEmpty {
            html += overviewTable(sorted)
        }
        for (rank, card) in sorted.enumerated() {
            html += cardBlock(card, rank: rank + 1)
        }
        html += "<footer>Written by fidviz. Panel figures are at each image's own resolution; click one to open it.</footer>\n"
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
        html += "<section class=\"summary\">\n<div class=\"headline\"><span class=\"label\">FID</span>"
            + "<span class=\"big\">\(NumberText.fixed(s.fid, digits: 4))</span>"
            + "<span class=\"label\">N = \(s.n) generated images</span></div>\n<dl>\n"
        html += row("Generated set", e(s.generatedSetDescription))
        html += row("Reference statistics", "<code>\(e(s.referencePath))</code><br>\(e(s.referenceProvenance))")
        html += row("Weights SHA-256", "<code title=\"\(e(s.weightsSHA256))\">\(e(sha))</code>"
            + (s.weightsAreOfficial ? " (official pytorch-fid weights)" : " <strong class=\"bad\">(not official)</strong>"))
        for note in s.notes {
            html += "<dt>Note</dt><dd>\(e(note))</dd>\n"
        }
        html += "</dl>\n</section>\n"
        if let histogram = s.histogramPath {
            html += "<figure class=\"histogram\"><img src=\"\(HTMLEscaping.relativeURL(histogram))\" "
                + "alt=\"Top-1 class histogram\"><figcaption>Top-1 classes of the generated set"
                + " (and the reference set, when known)</figcaption></figure>\n"
        }
        return html
    }

    /// One row per image, worst first, linking to its card.
    private static func overviewTable(_ cards: [ImageCard]) -> String {
        let e = HTMLEscaping.text
        var html = "<table class=\"overview\">\n<thead><tr><th class=\"num\">rank</th><th>image</th><th>size</th>"
            + "<th>Top-1 class</th><th class=\"num\">p</th><th class=\"num\">ΔFID</th></tr></thead>\n<tbody>\n"
        for (i, c) in cards.enumerated() {
            html += "<tr><td class=\"num\">\(i + 1)</td><td><a href=\"#image-\(i + 1)\">\(e(c.file))</a></td>"
                + "<td>\(c.width)×\(c.height)</td><td>#\(c.top1.index) \(e(c.top1.label))</td>"
                + "<td class=\"num\">\(NumberText.fixed(c.top1.probability, digits: 3))</td>"
                + "<td class=\"num \(deltaClass(c.deltaFID))\">\(NumberText.signed(c.deltaFID))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    private static func cardBlock(_ c: ImageCard, rank: Int) -> String {
        let e = HTMLEscaping.text
        var html = "<article class=\"card\" id=\"image-\(rank)\">\n<header><span class=\"rank\">#\(rank)</span>"
        html += "<h3>\(e(c.file))</h3><span class=\"dims\">\(c.width)×\(c.height)</span>"
        html += "<span class=\"top1\">\(e(c.top1.label)) <span class=\"muted\">(#\(c.top1.index), "
            + "p = \(NumberText.fixed(c.top1.probability, digits: 3)))</span></span>"
        html += "<span class=\"delta \(deltaClass(c.deltaFID))\">ΔFID \(NumberText.signed(c.deltaFID))</span></header>\n"
        if c.panelPath.isEmpty {
            html += "<p class=\"nopanel\">No panel figure for this image: figures are drawn for the images with the "
                + "largest ΔFID only (see --top). report.json has its maps.</p>\n"
        } else {
            let src = HTMLEscaping.relativeURL(c.panelPath)
            // Small images are magnified; keep their pixels sharp rather than blurred.
            let magnified = c.height <= 160 ? " magnified" : ""
            html += "<a class=\"panels\" href=\"\(src)\"><img class=\"panels\(magnified)\" src=\"\(src)\" "
                + "alt=\"panels for \(e(c.file))\"></a>\n"
        }
        html += "<div class=\"facts\">\n"
        if !c.top5.isEmpty {
            html += "<table class=\"top5\"><caption>Top-5 classes</caption>\n"
            html += "<thead><tr><th class=\"num\"></th><th>class</th><th class=\"num\">p</th><th></th></tr></thead>\n<tbody>\n"
            for (rank, score) in c.top5.enumerated() {
                let percent = score.probability.isFinite ? max(0, min(100, score.probability * 100)) : 0
                html += "<tr><td class=\"num rank\">\(rank + 1)</td><td>#\(score.index) \(e(score.label))</td>"
                    + "<td class=\"num\">\(NumberText.fixed(score.probability, digits: 4))</td>"
                    + "<td class=\"barcell\"><div class=\"bar\" style=\"width:\(NumberText.fixed(percent, digits: 1))%\"></div></td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        html += "<dl class=\"fid\">\n"
        html += row("FID without the image", NumberText.fixed(c.fidBefore, digits: 4))
        html += row("FID with the image", NumberText.fixed(c.fidAfter, digits: 4))
        html += row("ΔFID", "<span class=\"\(deltaClass(c.deltaFID))\">\(NumberText.signed(c.deltaFID))</span>")
        html += "</dl>\n</div>\n</article>\n"
        return html
    }

    /// "worse" (ΔFID > 0), "better" (< 0) or "neutral" (0 or not finite): the CSS class colouring it.
    private static func deltaClass(_ delta: Double) -> String {
        delta > 0 ? "worse" : (delta < 0 ? "better" : "neutral")
    }

    /// A definition-list row; `valueHTML` must already be escaped.
    private static func row(_ term: String, _ valueHTML: String) -> String {
        "<dt>\(HTMLEscaping.text(term))</dt><dd>\(valueHTML)</dd>\n"
    }
}
