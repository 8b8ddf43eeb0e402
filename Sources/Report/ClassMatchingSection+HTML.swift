import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Pixels

// MARK: - HTML and figures

extension ClassMatchingSection {
    /// Images shown in each of the two weight grids.
    public static let gridSize = 16
    /// Classes in the histogram.
    public static let shownClasses = 25

    /// Writes the section's figures into `folder` under `directory`/ and returns its HTML.
    public func write(to folder: ReportFolder, directory: String = "class-matching", style: FigureStyle) throws
        -> String {
        let view = self
        let e = HTMLEscaping.text
        let a = view.analysis
        var html = "<h2 class=\"section\" id=\"class-matching\">How much of this FID is ImageNet classes?</h2>\n"
        html += "<p class=\"lead\"><strong>\(e(view.headline))</strong></p>\n"
        html += "<p class=\"explain\">Each weighting keeps every image as it is and only changes how much each counts "
            + "in the generated statistics. <em>Top-1 matched</em>: images weighted so that their Top-1 ImageNet "
            + "classes have the reference's histogram. <em>Top-\(view.topN) matched</em>: weighted to match the "
            + "reference's Top-\(view.topN) class vectors. <em>pool3-weighted</em>: the weights that minimise FID "
            + "itself, the lowest FID these images can reach. For context, Kynkäänniemi et al. (ICLR 2023) found "
            + "on StyleGAN2 FFHQ that Top-1 matching took FID from 5.30 to about 4.70 and matching all pool3 "
            + "features to 1.78, while FD in CLIP space moved only from 2.76 to 2.64: FID fell without any "
            + "image getting better.</p>\n"
        for note in view.notes { html += "<p class=\"explain\">\(e(note))</p>\n" }
        html += Self.table(view)

        var bars: [BarChart.Bar] = [
            (label: "FID (all images equal)", value: a.fid, color: RGBColor(hex: 0x7F8C8D))]
        if let v = a.fidTop1Matched {
            bars.append((label: "Top-1 matched", value: v, color: RGBColor(hex: 0x1F77B4)))
        }
        if let v = a.fidTopNMatched {
            bars.append((label: "Top-\(view.topN) matched", value: v, color: RGBColor(hex: 0x9467BD)))
        }
        bars.append((label: "pool3-weighted (lowest)", value: a.fidPool3Weighted, color: RGBColor(hex: 0x2CA02C)))
        bars.append((label: "pool3-weighted, resampled", value: a.fidPool3Resampled.median,
                     color: RGBColor(hex: 0x98DF8A)))
        let fidChart = "\(directory)/fid.png"
        try folder.write(try BarChart.renderPNG(bars, title: "FID before and after each weighting", style: style),
                         to: fidChart)
        html += Self.figure(fidChart, alt: "FID before and after each weighting",
                       caption: "The same images under each weighting; lower is closer to the reference.")

        if let top1 = view.generatedTop1, let reference = view.referenceHistogram {
            let classesChart = "\(directory)/classes.png"
            try folder.write(try ClassHistogramChart.renderPNG(Self.histogram(view, top1: top1, reference: reference),
                                                               maxClasses: Self.shownClasses, style: style),
                             to: classesChart)
            html += Self.figure(classesChart, alt: "Top-\(Self.shownClasses) class histogram before and after Top-1 matching",
                           caption: "Each class's share of the generated set before (blue) and after (green) Top-1 "
                               + "matching, and of the reference (orange).")
        }
        if let images = view.images, images.count >= 2 {
            html += try Self.grids(view, images: images, to: folder, directory: directory)
        }
        return html
    }

    private static func table(_ view: ClassMatchingSection) -> String {
        let a = view.analysis
        let n = Double(view.generatedCount)
        func row(_ name: String, _ fid: Double?, ess: Double?, extra: String = "") -> String {
            guard let fid else { return "" }
            let change = fid / a.fid - 1
            var essText = ess.map { NumberText.fixed($0, digits: 1) + " of \(view.generatedCount)" } ?? ""
            if let ess, ess < view.lowEffectiveSampleSize {
                essText = "<span class=\"bad\">\(essText): under N/10, too few images carry this weighting to "
                    + "trust its FID</span>"
            }
            return "<tr><td>\(HTMLEscaping.text(name))</td><td class=\"num\">\(NumberText.fixed(fid, digits: 3))</td>"
                + "<td class=\"num\">\(change == 0 ? "" : ClassMatchingSection.percent(abs(change) < 0.0005 ? 0 : change))</td>"
                + "<td>\(essText)</td>"
                + "<td>\(extra)</td></tr>\n"
        }
        var html = "<table class=\"classes matching\"><thead><tr><th>weighting</th><th class=\"num\">FID</th>"
            + "<th class=\"num\">change</th><th>effective sample size</th><th></th></tr></thead><tbody>\n"
        html += row("all images equal", a.fid, ess: n)
        html += row("Top-1 matched", a.fidTop1Matched, ess: a.top1?.effectiveSampleSize,
                    extra: a.unmatchedReferenceMass.map {
                        "reference mass in classes the generated set lacks: \(ClassMatchingSection.percent($0))"
                    } ?? "")
        html += row("Top-\(view.topN) matched", a.fidTopNMatched, ess: a.topN?.optimization.effectiveSampleSize)
        let optimizer = a.pool3Weighted
        html += row("pool3-weighted (lowest FID)", a.fidPool3Weighted, ess: optimizer.effectiveSampleSize,
                    extra: "\(optimizer.iterations) iterations, "
                        + (optimizer.converged ? "converged" : "not converged (\(optimizer.reason.rawValue)): an upper bound"))
        html += row("pool3-weighted, resampled", a.fidPool3Resampled.median, ess: nil,
                    extra: "median of \(a.fidPool3Resampled.values.count) draws of N images with these weights")
        if let fd = a.fdLogits {
            html += "<tr><td>FD of the 1008 logits</td><td class=\"num\">\(NumberText.fixed(fd, digits: 3))</td><td></td>"
                + "<td></td><td>\(a.fdLogitsTop1Matched.map { "Top-1 matched: " + NumberText.fixed($0, digits: 3) } ?? "")</td></tr>\n"
        }
        for other in a.otherFeatures {
            var parts = ["Top-1 matched " + (other.fdTop1Matched.map { NumberText.fixed($0, digits: 3) } ?? "n/a")]
            if let v = other.fdTopNMatched { parts.append("Top-\(view.topN) matched " + NumberText.fixed(v, digits: 3)) }
            parts.append("pool3-weighted " + NumberText.fixed(other.fdPool3Weighted, digits: 3))
            html += "<tr><td>FD in \(HTMLEscaping.text(other.name))</td><td class=\"num\">"
                + "\(NumberText.fixed(other.fd, digits: 3))</td><td></td><td></td>"
                + "<td>\(parts.joined(separator: "; "))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    private static func figure(_ path: String, alt: String, caption: String) -> String {
        "<figure class=\"histogram\"><img src=\"\(HTMLEscaping.relativeURL(path))\" alt=\"\(HTMLEscaping.text(alt))\">"
            + "<figcaption>\(HTMLEscaping.text(caption))</figcaption></figure>\n"
    }

    /// The Top-1 histogram of the generated set (counts, and shares under the Top-1 weights)
    /// and of the reference.
    static func histogram(_ view: ClassMatchingSection, top1: [Int], reference: [Int64]) -> ClassHistogram {
        let ess = view.analysis.top1.map { NumberText.fixed($0.effectiveSampleSize, digits: 1) } ?? ""
        return ClassHistogram.top1(top1, reference: reference, weights: view.analysis.top1?.weights,
                                   title: "Top-\(shownClasses) Top-1 classes, before and after Top-1 matching",
                                   weightedLabel: "generated, Top-1 matched (ESS \(ess))")
    }

    /// The images with the lowest and the highest pool3 weights, as thumbnails.
    private static func grids(_ view: ClassMatchingSection, images: [ImagePath], to folder: ReportFolder,
                              directory: String) throws -> String {
        let weights = view.analysis.pool3Weighted.weights
        let order = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] < weights[$1] : $0 < $1 }
        let lowCount = min(gridSize, order.count / 2)
        let highCount = min(gridSize, order.count - lowCount)
        let low = Array(order.prefix(lowCount))
        let high = Array(order.suffix(highCount).reversed())
        var html = ""
        for (name, positions, caption) in [
            ("low", low, "The \(low.count) lowest-weighted images under the pool3 weights: what FID wants fewer of."),
            ("high", high, "The \(high.count) highest-weighted images: what FID wants more of."),
        ] {
            html += "<h3>\(HTMLEscaping.text(caption))</h3>\n<div class=\"grid\">\n"
            for (k, i) in positions.enumerated() {
                let path = "\(directory)/\(name)-\(String(format: "%02d", k + 1)).png"
                try folder.write(try Thumbnail.png(of: try ImageDecoder.decode(images[i]), maxSide: 128), to: path)
                let label = images[i].description
                html += "<figure><img src=\"\(HTMLEscaping.relativeURL(path))\" alt=\"\(HTMLEscaping.text(label))\" "
                    + "title=\"\(HTMLEscaping.text(label))\"><figcaption>N·w = "
                    + "\(NumberText.fixed(weights[i] * Double(weights.count), digits: 2))</figcaption></figure>\n"
            }
            html += "</div>\n"
        }
        return html
    }
}
