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
        html += "<p class=\"lead\"><strong>\(e(view.controlHeadline ?? view.classesHeadline))</strong>"
            + (view.controlHeadline == nil ? "" : " " + e(view.classesHeadline)) + "</p>\n"
        html += "<p class=\"explain\">Each weighting keeps every image as it is and only changes how much each counts "
            + "in the generated statistics. <em>Top-1 matched</em>: images weighted so that their Top-1 ImageNet "
            + "classes have the reference's histogram. <em>Top-\(view.topN) matched</em>: weighted to match the "
            + "reference's Top-\(view.topN) class vectors. <em>pool3-weighted</em>: the weights that minimise FID "
            + "itself, the lowest FID these images can reach. For context, Kynkäänniemi et al. (ICLR 2023) found "
            + "on StyleGAN2 FFHQ that Top-1 matching took FID from 5.30 to about 4.70 and matching all pool3 "
            + "features to 1.78, while FD in CLIP space moved only from 2.76 to 2.64: FID fell without any "
            + "image getting better.</p>\n"
        for other in a.otherFeatures {
            let name = e(other.space.distanceName)
            html += "<p class=\"explain\">The <em>\(name)</em> columns are that control computed here: the Fréchet "
                + "distance of the same images' \(other.space == .known(.dinov2) ? "DINOv2" : name) features under the "
                + "same weights. A weighting that lowers FID but not \(name) has matched what Inception's ImageNet "
                + "features see, not made the images more like the reference.</p>\n"
        }
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

        if !a.otherFeatures.isEmpty {
            let changeChart = "\(directory)/change.png"
            try folder.write(try BarChart.renderPNG(Self.relativeBars(view),
                                                    title: "Each distance under each weighting, as % of its value with all images equal",
                                                    digits: 1, valueSuffix: "%", style: style),
                             to: changeChart)
            html += Self.figure(changeChart, alt: "FID and \(a.otherFeatures.map(\.space.distanceName).joined(separator: ", ")) under each weighting",
                                caption: "100% is the distance with all images equal. A weighting that takes FID far "
                                    + "below 100% and the other distance not has changed FID's view only.")
        }
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

    /// One row per weighting: FID and its change, the same for each space beside pool3
    /// (FD_DINOv2), the effective sample size and notes; then the logits' FD.
    private static func table(_ view: ClassMatchingSection) -> String {
        let a = view.analysis
        let n = Double(view.generatedCount)
        let fixed = { (v: Double) in NumberText.fixed(v, digits: 3) }
        func cells(_ value: Double?, base: Double) -> String {
            guard let value else { return "<td class=\"num\">n/a</td><td></td>" }
            let change = value == base ? "" : ClassMatchingSection.change(value, from: base)
            return "<td class=\"num\">\(fixed(value))</td><td class=\"num\">\(change)</td>"
        }
        func row(_ name: String, _ fid: Double?, others: [Double?], ess: Double?, extra: String = "") -> String {
            guard let fid else { return "" }
            var essText = ess.map { NumberText.fixed($0, digits: 1) + " of \(view.generatedCount)" } ?? ""
            if let ess, ess < view.lowEffectiveSampleSize {
                essText = "<span class=\"bad\">\(essText): under N/10, too few images carry this weighting to "
                    + "trust its FID</span>"
            }
            return "<tr><td>\(HTMLEscaping.text(name))</td>" + cells(fid, base: a.fid)
                + zip(others, a.otherFeatures).map { cells($0, base: $1.fd) }.joined()
                + "<td>\(essText)</td><td>\(extra)</td></tr>\n"
        }
        let spaces = a.otherFeatures.map {
            "<th class=\"num\">\(HTMLEscaping.text($0.space.distanceName))</th><th class=\"num\">change</th>"
        }
        var html = "<table class=\"classes matching\"><thead><tr><th>weighting</th><th class=\"num\">FID</th>"
            + "<th class=\"num\">change</th>\(spaces.joined())<th>effective sample size</th><th></th></tr></thead><tbody>\n"
        html += row("all images equal", a.fid, others: a.otherFeatures.map(\.fd), ess: n)
        html += row("Top-1 matched", a.fidTop1Matched, others: a.otherFeatures.map(\.fdTop1Matched),
                    ess: a.top1?.effectiveSampleSize,
                    extra: a.unmatchedReferenceMass.map {
                        "reference mass in classes the generated set lacks: \(ClassMatchingSection.percent($0))"
                    } ?? "")
        html += row("Top-\(view.topN) matched", a.fidTopNMatched, others: a.otherFeatures.map(\.fdTopNMatched),
                    ess: a.topN?.optimization.effectiveSampleSize)
        let optimizer = a.pool3Weighted
        html += row("pool3-weighted (lowest FID)", a.fidPool3Weighted, others: a.otherFeatures.map(\.fdPool3Weighted),
                    ess: optimizer.effectiveSampleSize,
                    extra: "\(optimizer.iterations) iterations, "
                        + (optimizer.converged ? "converged" : "not converged (\(optimizer.reason.rawValue)): an upper bound"))
        html += row("pool3-weighted, resampled", a.fidPool3Resampled.median,
                    others: a.otherFeatures.map(\.fdPool3Resampled.median), ess: nil,
                    extra: "median of \(a.fidPool3Resampled.values.count) draws of N images with these weights")
        if let fd = a.fdLogits {
            let blank = String(repeating: "<td></td><td></td>", count: a.otherFeatures.count)
            html += "<tr><td>FD of the 1008 logits</td><td class=\"num\">\(fixed(fd))</td><td></td>\(blank)"
                + "<td></td><td>\(a.fdLogitsTop1Matched.map { "Top-1 matched: " + fixed($0) } ?? "")</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// For each weighting, FID and each space beside pool3 as a percentage of its value with all
    /// images equal.
    static func relativeBars(_ view: ClassMatchingSection) -> [BarChart.Bar] {
        let a = view.analysis
        let colors = [RGBColor(hex: 0x1F77B4), RGBColor(hex: 0xFF7F0E), RGBColor(hex: 0x2CA02C)]
        let weightings: [(String, Double?, (ClassMatching.Analysis.OtherFeatures) -> Double?)] = [
            ("Top-1 matched", a.fidTop1Matched, { $0.fdTop1Matched }),
            ("Top-\(view.topN) matched", a.fidTopNMatched, { $0.fdTopNMatched }),
            ("pool3-weighted, resampled", a.fidPool3Resampled.median, { $0.fdPool3Resampled.median }),
        ]
        var bars: [BarChart.Bar] = []
        for (name, fid, otherValue) in weightings {
            guard let fid else { continue }
            bars.append((label: "\(name): FID", value: 100 * fid / a.fid, color: colors[0]))
            for (k, other) in a.otherFeatures.enumerated() {
                bars.append((label: "\(name): \(other.space.distanceName)",
                             value: otherValue(other).map { 100 * $0 / other.fd } ?? .nan,
                             color: colors[1 + k % (colors.count - 1)]))
            }
        }
        return bars
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
