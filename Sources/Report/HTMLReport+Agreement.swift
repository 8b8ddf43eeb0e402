import Frechet
import Heatmap

// MARK: - Where the spaces, and people, part

extension HTMLReport {
    /// What a distance measures, in one line.
    static func meaning(of space: FeatureSpace) -> String {
        switch space {
        case .inceptionPool3:
            return "Fréchet distance of Inception-v3 pool3 features (pytorch-fid): an ImageNet classifier's view, which "
                + "moves with ImageNet class statistics as much as with image quality."
        case .dinov2:
            return "Fréchet distance of DINOv2 class tokens (dgm-eval): a self-supervised network's view, which tracked "
                + "people's judgements best (Stein et al., 2023)."
        }
    }

    /// Two spaces: their rank correlation and scatter, the classes in both spaces, and the images
    /// they part on most as cards.
    static func twoSpacesBlock(_ page: ReportPage) -> String {
        guard let spaces = page.agreement?.spaces else { return "" }
        let (a, b) = (spaces.a.name, spaces.b.name)
        let n = page.rows.count
        var html = "<h2 class=\"section\" id=\"disagreements\">Where \(a) and \(b) disagree</h2>\n"
        html += "<p class=\"lead\">Spearman rank correlation of Δ\(a) and Δ\(b) over the \(n) images: "
            + "<strong>ρ = \(NumberText.fixed(spaces.rho, digits: 3))</strong> "
            + "<span class=\"muted\">(1: both rank the images alike; 0: unrelated; −1: reversed)</span>.</p>\n"
        if let scatter = page.scatterPath {
            html += "<figure class=\"histogram\"><img src=\"\(HTMLEscaping.relativeURL(scatter))\" "
                + "alt=\"Δ\(a) against Δ\(b)\"><figcaption>Every image's Δ\(a) / \(a) against its Δ\(b) / \(b), "
                + "each as a share of its set's distance.</figcaption></figure>\n"
        }
        html += "<p class=\"explain\">An image's disagreement is its rank by Δ\(b) minus its rank by Δ\(a), each as a "
            + "fraction of N (rank 1 = the image that hurts the distance most). Positive: \(a) ranks the image much worse "
            + "than \(b) does, so it is an offender in \(a)'s eyes alone.</p>\n"
        html += twoSpaceClassesTable(page, a: spaces.a, b: spaces.b)
        html += cards(page, page.spaceDisagreements.aOnly,
                      title: "\(a)-only offenders: \(a) ranks them much worse than \(b) does", id: "only-a")
        html += cards(page, page.spaceDisagreements.bOnly,
                      title: "\(b)-only offenders: \(b) ranks them much worse than \(a) does", id: "only-b")
        return html
    }

    /// People's scores: each space's rank correlation with them, and the images the first space
    /// and people part on most.
    static func peopleBlock(_ page: ReportPage) -> String {
        guard let human = page.agreement?.human else { return "" }
        let e = HTMLEscaping.text
        let a = page.rows.first.map { $0.distances[page.agreementColumn].space.name } ?? "FID"
        var html = "<h2 class=\"section\" id=\"people\">Which distance agrees with people?</h2>\n"
        html += "<p class=\"explain\">Spearman rank correlation of each image's Δ with people's score (the share who "
            + "judged it fake), over the \(human.scored) images people scored, with a bootstrap 95% interval "
            + "(1000 resamples). Positive: the images the distance punishes more are the ones more people judged fake.</p>\n"
        html += "<table class=\"matching\">\n<thead><tr><th>distance</th><th class=\"num\">Spearman ρ</th>"
            + "<th class=\"num\">95% interval</th></tr></thead>\n<tbody>\n"
        for (space, estimate) in human.estimates {
            let interval = estimate.interval.map {
                "[\(NumberText.fixed($0.lowerBound, digits: 3)), \(NumberText.fixed($0.upperBound, digits: 3))]"
            } ?? "—"
            html += "<tr><td>Δ\(e(space.name))</td><td class=\"num\">\(NumberText.fixed(estimate.rho, digits: 3))</td>"
                + "<td class=\"num\">\(interval)</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        html += cards(page, page.peopleDisagreements.aOnly,
                      title: "\(a) punishes them, people do not: \(a) ranks them much worse than people do",
                      id: "people-a")
        html += cards(page, page.peopleDisagreements.bOnly,
                      title: "People judge them fake, \(a) does not mind: people rank them much worse than \(a) does",
                      id: "people-b")
        return html
    }

    /// A titled list of cards of explained images (nothing when there are none).
    private static func cards(_ page: ReportPage, _ positions: [Int], title: String, id: String) -> String {
        guard !positions.isEmpty else { return "" }
        return "<h3 class=\"subsection\" id=\"\(id)\">\(HTMLEscaping.text(title))</h3>\n"
            + positions.map { cardBlock(page.rows[$0], rank: $0 + 1, anchored: false) }.joined()
    }

    /// Classes shown in the two-space table: the ones the first space alone punishes most.
    static let shownTwoSpaceClasses = 15

    /// Top-1 classes with their Δ sums in both spaces, the ones space A alone punishes first.
    private static func twoSpaceClassesTable(_ page: ReportPage, a: FeatureSpace, b: FeatureSpace) -> String {
        guard !page.twoSpaceClasses.isEmpty else { return "" }
        let e = HTMLEscaping.text
        var html = "<h3 class=\"subsection\">Classes \(a.name) alone cares about</h3>\n"
        html += "<p class=\"explain\">Images grouped by their ImageNet Top-1 class, with the sum of their Δ in each "
            + "space, also as a share of the set's distance. Classes come in order of the share of \(a.name) minus the "
            + "share of \(b.name), so the first ones are those \(a.name) punishes and \(b.name) does not"
            + (page.twoSpaceClasses.count > shownTwoSpaceClasses
                ? " (the first \(shownTwoSpaceClasses); report.json's classes_two_spaces lists all \(page.twoSpaceClasses.count))"
                : "") + ".</p>\n"
        html += "<table class=\"classes\">\n<thead><tr><th>Top-1 class</th><th class=\"num\">images</th>"
            + "<th class=\"num\">Δ\(a.name) sum</th><th class=\"num\">share of \(a.name)</th>"
            + "<th class=\"num\">Δ\(b.name) sum</th><th class=\"num\">share of \(b.name)</th></tr></thead>\n<tbody>\n"
        func share(_ sum: Double, _ space: FeatureSpace) -> String {
            page.summary.distances.divisor(of: space).map { NumberText.signed(100 * sum / $0) + "%" } ?? "—"
        }
        for c in page.twoSpaceClasses.prefix(shownTwoSpaceClasses) {
            html += "<tr><td>#\(c.index) \(e(c.label))</td><td class=\"num\">\(c.count)</td>"
                + "<td class=\"num \(deltaClass(c.sumA))\">\(NumberText.signed(c.sumA))</td>"
                + "<td class=\"num\">\(share(c.sumA, a))</td>"
                + "<td class=\"num \(deltaClass(c.sumB))\">\(NumberText.signed(c.sumB))</td>"
                + "<td class=\"num\">\(share(c.sumB, b))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }
}
