import Frechet
import Heatmap
import Sensitivity

// MARK: - What the page shows

/// Everything index.html shows, with the paths (relative to the report folder) of the pictures
/// the report writer drew. `rows` are all images in the report's order; the page lists only the
/// explained ones as cards, so it stays small for 50,000 images (images.csv lists them all).
public struct ReportPage {
    public var summary: ReportSummary
    public var rows: [ImageRow]
    /// Positions in `rows` of the images with the largest ΔFID that were explained, worst first.
    public var worst: [Int]
    /// Positions in `rows` of the images with the most negative ΔFID that were explained, best
    /// first (none of them in `worst`).
    public var best: [Int]
    /// The classes shown in "classes that drive this FID", largest ΔFID sum first.
    public var classes: [ClassContribution]
    /// Thumbnail path of each shown class's worst image, by class index.
    public var classThumbnails: [Int: String]
    public var deltaHistogramPath: String?
    public var classHistogramPath: String?
    /// Rendered sections placed after the summary (e.g. class matching), already escaped.
    public var sections: [String]
    public var csvPath: String
    public var jsonPath: String
    /// Explained images the report's two spaces part on most (`RankedRows.spaceDisagreements`).
    public var spaceDisagreements = Disagreements()
    /// Explained images the first space and people part on most (`RankedRows.peopleDisagreements`).
    public var peopleDisagreements = Disagreements()
    /// How the spaces, and people, agree (two spaces or people's scores).
    public var agreement: ReportAgreement?
    /// Every Top-1 class with its Δ sums in the two spaces, FID-only classes first.
    public var twoSpaceClasses: [TwoSpaceClass] = []
    /// The ΔFID/FID against ΔFD_DINOv2/FD_DINOv2 scatter, when drawn.
    public var scatterPath: String?
    /// The distance column people's scores are compared with (`RankedRows.compared`'s A).
    public var agreementColumn = 0
    /// The ROAD table, with `--faithfulness`.
    public var faithfulness: FaithfulnessTable?

    public init(summary: ReportSummary, rows: [ImageRow], worst: [Int], best: [Int], classes: [ClassContribution],
                classThumbnails: [Int: String] = [:], deltaHistogramPath: String? = nil,
                classHistogramPath: String? = nil, sections: [String] = [], csvPath: String = "images.csv",
                jsonPath: String = "report.json") {
        self.summary = summary
        self.rows = rows
        self.worst = worst
        self.best = best
        self.classes = classes
        self.classThumbnails = classThumbnails
        self.deltaHistogramPath = deltaHistogramPath
        self.classHistogramPath = classHistogramPath
        self.sections = sections
        self.csvPath = csvPath
        self.jsonPath = jsonPath
    }
}

// MARK: - index.html

/// Renders the self-contained index.html: inline CSS, no scripts, no network. A
/// Content-Security-Policy forbids scripts, remote styles and remote images (images load from
/// the report's own folder, also when opened as file://). Every caller-provided string is
/// HTML-escaped and every path percent-encoded (`HTMLEscaping`); file names shown as text are
/// isolated in `<bdi>`, so a right-to-left override in a name cannot reorder the text around it.
///
/// The page: the title, the not-official-weights warning when it applies, the summary (FID, N,
/// the generated set, the reference, the weights, links to images.csv and report.json), the
/// caller's sections, the ΔFID distribution of all images, the classes that drive FID, the
/// Top-1 class histogram, then one card per explained image, worst first, then best first: file
/// name, rank, size, Top-1 and ΔFID in the header, the panel figure at full card width (a link
/// to the PNG at its own resolution), the Top-5 table and the FID numbers.
public enum HTMLReport {
    public static let defaultWeightsWarning =
        "NOT the official FID weights: numbers are not comparable to published FIDs"

    /// Content-Security-Policy of the page: nothing from the network, images only from the
    /// report's own origin (the folder, for file://) or data: URLs, inline styles only.
    public static let contentSecurityPolicy =
        "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

    public static func render(_ page: ReportPage) -> String {
        let d = page.summary.space.name
        var html = head(title: page.summary.title)
        html += summaryBlock(page)
        html += page.sections.joined()
        html += twoSpacesBlock(page)
        html += peopleBlock(page)
        html += distributionBlock(page)
        html += classesBlock(page)
        html += page.faithfulness?.html ?? ""
        if !page.worst.isEmpty {
            html += "<h2 class=\"section\" id=\"worst\">The \(page.worst.count) images with the largest Δ\(d)</h2>\n"
            html += "<p class=\"explain\">Δ\(d) = \(d) with the image in the generated set − \(d) without it. "
                + "Positive (red): the image pushes \(d) up, i.e. makes the set look less like the reference. "
                + "Heat panels: \(d) sensitivity is how strongly each region moves \(d)"
                + (page.summary.space == .inceptionPool3
                    ? "; Top-1 Grad-CAM is where the Inception network sees its Top-1 ImageNet class.</p>\n" : ".</p>\n")
            html += page.worst.map { cardBlock(page.rows[$0], rank: $0 + 1) }.joined()
        }
        if !page.best.isEmpty {
            html += "<h2 class=\"section\" id=\"best\">The \(page.best.count) images with the smallest Δ\(d)</h2>\n"
            html += page.best.map { cardBlock(page.rows[$0], rank: $0 + 1) }.joined()
        }
        let e = HTMLEscaping.text
        html += "<footer>Written by fidviz. Panel figures are at each image's own resolution; click one to open it. "
            + "Every image's numbers: <a href=\"\(HTMLEscaping.relativeURL(page.csvPath))\">\(e(page.csvPath))</a>, "
            + "<a href=\"\(HTMLEscaping.relativeURL(page.jsonPath))\">\(e(page.jsonPath))</a>.</footer>\n"
        return html + "</body>\n</html>\n"
    }

    /// A page of the summary and `sections` only (`fidviz classes -o`), with `jsonPath` linked.
    public static func renderSections(summary: ReportSummary, sections: [String], jsonPath: String) -> String {
        let page = ReportPage(summary: summary, rows: [], worst: [], best: [], classes: [], sections: sections,
                              jsonPath: jsonPath)
        var html = head(title: summary.title) + summaryBlock(page, listsImages: false) + sections.joined()
        html += "<footer>Written by fidviz. Every number: <a href=\"\(HTMLEscaping.relativeURL(jsonPath))\">"
            + "\(HTMLEscaping.text(jsonPath))</a>.</footer>\n"
        return html + "</body>\n</html>\n"
    }

    /// A page of `sections` under `title` (`fidviz compare -o`), ending with `footer` (already escaped).
    public static func renderPage(title: String, sections: [String], footer: String) -> String {
        head(title: title) + sections.joined() + "<footer>\(footer)</footer>\n</body>\n</html>\n"
    }

    private static func head(title: String) -> String {
        let title = HTMLEscaping.text(title)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <style>\(HTMLReportStyle.stylesheet)</style>
        </head>
        <body>
        <h1>\(title)</h1>

        """
    }

    // MARK: - Blocks

    private static func summaryBlock(_ page: ReportPage, listsImages: Bool = true) -> String {
        let d = page.summary.space.name
        let e = HTMLEscaping.text
        let s = page.summary
        var html = ""
        if !s.weightsAreOfficial {
            html += "<div class=\"warning\" role=\"alert\">\(e(s.warning ?? defaultWeightsWarning))</div>\n"
        }
        html += "<section class=\"summary\">\n"
        if s.distances.count > 1 {
            html += s.distances.map { distance in
                "<div class=\"headline\"><span class=\"label\">\(distance.space.name)</span>"
                    + "<span class=\"big\">\(NumberText.fixed(distance.value, digits: 4))</span>"
                    + "<span class=\"meaning\">\(e(meaning(of: distance.space)))</span></div>\n"
            }.joined() + "<div class=\"headline\"><span class=\"label\">N = \(s.n) generated images</span></div>\n<dl>\n"
        } else {
            html += "<div class=\"headline\"><span class=\"label\">\(d)</span>"
                + "<span class=\"big\">\(NumberText.fixed(s.fid, digits: 4))</span>"
                + "<span class=\"label\">N = \(s.n) generated images</span></div>\n<dl>\n"
        }
        html += row("Generated set", e(s.generatedSetDescription))
        html += row("Reference", "<code>\(e(s.referencePath))</code><br>\(e(s.referenceProvenance))")
        /// A weights row: the hash's first 16 digits, and whether the weights are the published ones.
        func weights(_ label: String, _ sha256: String, _ space: FeatureSpace) -> String {
            let sha = sha256.count > 16 ? String(sha256.prefix(16)) + "…" : sha256
            return row(label, "<code title=\"\(e(sha256))\">\(e(sha))</code>"
                + (space != .inceptionPool3 ? " (no hash is published for these weights; recorded in every file)"
                    : s.weightsAreOfficial ? " (official pytorch-fid weights)" : " <strong class=\"bad\">(not official)</strong>"))
        }
        if s.weightsSHA256.isEmpty && s.furtherWeights.isEmpty {
            html += row("Weights", "not used: every set was given as features or statistics")
        } else if !s.weightsSHA256.isEmpty {
            let network = s.furtherWeights.isEmpty ? "" : (s.space == .inceptionPool3 ? "Inception-v3 " : "DINOv2 ")
            html += weights(network.isEmpty ? "Weights SHA-256" : network + "weights SHA-256", s.weightsSHA256, s.space)
        }
        for further in s.furtherWeights {
            html += weights("\(further.network) weights SHA-256", further.sha256, further.space)
        }
        if listsImages { html += row("Every image", "\(page.rows.count) images ranked in "
            + "<a href=\"\(HTMLEscaping.relativeURL(page.csvPath))\">\(e(page.csvPath))</a> and "
            + "<a href=\"\(HTMLEscaping.relativeURL(page.jsonPath))\">\(e(page.jsonPath))</a>, worst Δ\(d) first") }
        for note in s.notes {
            html += "<dt>Note</dt><dd>\(e(note))</dd>\n"
        }
        return html + "</dl>\n</section>\n"
    }

    private static func distributionBlock(_ page: ReportPage) -> String {
        let d = page.summary.space.name
        guard let path = page.deltaHistogramPath else { return "" }
        return "<h2 class=\"section\">Δ\(d) of every image</h2>\n"
            + "<figure class=\"histogram\"><img src=\"\(HTMLEscaping.relativeURL(path))\" alt=\"Δ\(d) histogram\">"
            + "<figcaption>How many images change \(d) by how much when they join the set "
            + "(right of 0: they raise it).</figcaption></figure>\n"
    }

    /// "Classes that drive this FID", then the Top-1 class histogram.
    private static func classesBlock(_ page: ReportPage) -> String {
        let d = page.summary.space.name
        let e = HTMLEscaping.text
        var html = ""
        if !page.classes.isEmpty {
            html += "<h2 class=\"section\">Classes that drive this \(d)</h2>\n"
            html += "<p class=\"explain\">Images grouped by their ImageNet Top-1 class; a class whose images "
                + "together add most to \(d) comes first. Thumbnails show each class's worst image.</p>\n"
            html += "<table class=\"classes\">\n<thead><tr><th></th><th>Top-1 class</th><th class=\"num\">images</th>"
                + "<th class=\"num\">Δ\(d) sum</th><th class=\"num\">Δ\(d) mean</th><th>worst image</th></tr></thead>\n<tbody>\n"
            for c in page.classes {
                let worst = page.rows[c.worstRow]
                let thumbnail = page.classThumbnails[c.index].map {
                    "<img class=\"thumb\" src=\"\(HTMLEscaping.relativeURL($0))\" alt=\"\(e(worst.file.description))\">"
                } ?? ""
                html += "<tr><td>\(thumbnail)</td><td>#\(c.index) \(e(c.label))</td><td class=\"num\">\(c.count)</td>"
                    + "<td class=\"num \(deltaClass(c.deltaFIDSum))\">\(NumberText.signed(c.deltaFIDSum))</td>"
                    + "<td class=\"num \(deltaClass(c.deltaFIDMean))\">\(NumberText.signed(c.deltaFIDMean))</td>"
                    + "<td><bdi>\(e(worst.file.description))</bdi> <span class=\"muted\">(#\(c.worstRow + 1))</span></td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        if let histogram = page.classHistogramPath {
            html += "<figure class=\"histogram\"><img src=\"\(HTMLEscaping.relativeURL(histogram))\" "
                + "alt=\"Top-1 class histogram\"><figcaption>Top-1 classes of the generated set"
                + " (and the reference set, when known)</figcaption></figure>\n"
        }
        return html
    }

    /// One image's card; `anchored` gives it the id `image-<rank>` (an image shown in several
    /// sections has it once).
    static func cardBlock(_ c: ImageRow, rank: Int, anchored: Bool = true) -> String {
        let e = HTMLEscaping.text
        var html = "<article class=\"card\"" + (anchored ? " id=\"image-\(rank)\"" : "")
            + ">\n<header><span class=\"rank\">#\(rank)</span>"
        let name = e(c.file.description)
        html += "<h3><bdi>\(name)</bdi></h3><span class=\"dims\">\(c.width)×\(c.height)</span>"
        if let top1 = c.top1 {
            html += "<span class=\"top1\">\(e(top1.label)) <span class=\"muted\">(#\(top1.index), "
                + "p = \(NumberText.fixed(top1.probability, digits: 3)))</span></span>"
        } else {
            html += "<span class=\"top1 muted\">no class (no logits for this image)</span>"
        }
        for distance in c.distances {
            html += "<span class=\"delta \(deltaClass(distance.delta))\">Δ\(e(distance.space.name)) "
                + "\(NumberText.signed(distance.delta))"
                + (distance.rank.map { " <span class=\"muted\">(rank \($0))</span>" } ?? "") + "</span>"
        }
        if let score = c.humanScore {
            html += "<span class=\"people\">people: \(NumberText.fixed(score, digits: 2)) judged it fake</span>"
        }
        html += "</header>\n"
        if let panel = c.panel {
            let src = HTMLEscaping.relativeURL(panel)
            // Small images are magnified; keep their pixels sharp rather than blurred.
            let magnified = c.height <= 160 ? " magnified" : ""
            html += "<a class=\"panels\" href=\"\(src)\"><img class=\"panels\(magnified)\" src=\"\(src)\" "
                + "alt=\"panels for \(name)\"></a>\n"
        } else {
            html += "<p class=\"nopanel\">No panel figure for this image.</p>\n"
        }
        if !c.roadPlots.isEmpty, let faithfulness = c.maps?.faithfulness {
            html += "<div class=\"road\">\n"
            for (name, path) in c.roadPlots.sorted(by: { a, b in
                (a.key.kind == MapName.sensitivityKind ? 0 : 1, a.key.kind, a.key.layer)
                    < (b.key.kind == MapName.sensitivityKind ? 0 : 1, b.key.kind, b.key.layer)
            }) {
                let verdict = faithfulness[name]?.beatsRandom.map { $0 ? "beats random" : "does not beat random" } ?? "no score"
                html += "<figure><img src=\"\(HTMLEscaping.relativeURL(path))\" alt=\"ROAD curves of \(e(name.title))\">"
                    + "<figcaption>\(e(name.title)): \(verdict)</figcaption></figure>\n"
            }
            html += "</div>\n"
        }
        html += "<div class=\"facts\">\n"
        if !c.top5.isEmpty {
            html += "<table class=\"top5\"><caption>Top-5 classes</caption>\n"
            html += "<thead><tr><th class=\"num\"></th><th>class</th><th class=\"num\">p</th><th></th></tr></thead>\n<tbody>\n"
        }
        for (rank, score) in c.top5.enumerated() {
            let percent = score.probability.isFinite ? max(0, min(100, score.probability * 100)) : 0
            html += "<tr><td class=\"num rank\">\(rank + 1)</td><td>#\(score.index) \(e(score.label))</td>"
                + "<td class=\"num\">\(NumberText.fixed(score.probability, digits: 4))</td>"
                + "<td class=\"barcell\"><div class=\"bar\" style=\"width:\(NumberText.fixed(percent, digits: 1))%\"></div></td></tr>\n"
        }
        if !c.top5.isEmpty { html += "</tbody>\n</table>\n" }
        html += "<dl class=\"fid\">\n"
        for distance in c.distances {
            let space = distance.space.name
            html += row("\(space) without the image", NumberText.fixed(distance.before, digits: 4))
            html += row("\(space) with the image", NumberText.fixed(distance.after, digits: 4))
            html += row("Δ\(space)", "<span class=\"\(deltaClass(distance.delta))\">\(NumberText.signed(distance.delta))</span>")
        }
        if let file = c.pixelGradientFile {
            html += row("Pixel gradient", "<a href=\"\(HTMLEscaping.relativeURL(file))\">\(e(file))</a>")
        }
        return html + "</dl>\n</div>\n</article>\n"
    }

    /// "worse" (ΔFID > 0), "better" (< 0) or "neutral" (0 or not finite): the CSS class colouring it.
    static func deltaClass(_ delta: Double) -> String {
        delta > 0 ? "worse" : (delta < 0 ? "better" : "neutral")
    }

    /// A definition-list row; `valueHTML` must already be escaped.
    static func row(_ term: String, _ valueHTML: String) -> String {
        "<dt>\(HTMLEscaping.text(term))</dt><dd>\(valueHTML)</dd>\n"
    }
}
