import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Pixels

// MARK: - Runs compared, as a report folder

extension ComparisonReport {
    /// The charts' files in the report folder.
    public static let chartPath = "compare.png"
    public static let secondChartPath = "compare-dinov2.png"

    /// Writes index.html, compare.png, compare.json, report.json, compare.csv and pairs.csv into
    /// `folder` (the caller commits it).
    public func write(to folder: ReportFolder, title: String, style: FigureStyle = FigureStyle()) throws {
        try folder.write(try chart(style: style), to: Self.chartPath)
        if hasSecond { try folder.write(try secondChart(style: style), to: Self.secondChartPath) }
        try folder.write(json.serialized(pretty: true), to: "compare.json")
        try folder.write(reportJSON.serialized(pretty: true), to: "report.json")
        try folder.write(setsCSV, to: "compare.csv")
        try folder.write(pairsCSV, to: "pairs.csv")
        let footer = "Written by fidviz. Every number: <a href=\"compare.json\">compare.json</a>, "
            + "<a href=\"report.json\">report.json</a>, <a href=\"compare.csv\">compare.csv</a>, "
            + "<a href=\"pairs.csv\">pairs.csv</a>."
        try folder.write(HTMLReport.renderPage(title: title, sections: [html], footer: footer), to: "index.html")
    }

    /// The line chart over the sets: FID, FID_infinity and Top-1 matched FID, each set's FID with
    /// its interval band.
    public func chart(style: FigureStyle = FigureStyle()) throws -> [UInt8] {
        let sets = comparison.sets
        var series = [IntervalLineChart.Series(
            name: name, color: RGBColor(hex: 0x1F77B4), values: sets.map(\.fid),
            intervals: sets.map { set in set.fidInterval.map { $0.lower...$0.upper } })]
        if sets.contains(where: { $0.fdInfinity != nil }) {
            series.append(.init(name: "\(name)∞", color: RGBColor(hex: 0xFF7F0E), values: sets.map { $0.fdInfinity?.intercept },
                                intervals: sets.map { _ in nil }))
        }
        if sets.contains(where: { $0.fidTop1Matched != nil }) {
            series.append(.init(name: "Top-1 matched \(name)", color: RGBColor(hex: 0x2CA02C),
                                values: sets.map(\.fidTop1Matched), intervals: sets.map { _ in nil }))
        }
        let level = NumberText.fixed(comparison.options.confidence * 100, digits: 0)
        return try IntervalLineChart.renderPNG(
            categories: sets.map(\.label), series: series,
            title: "\(name) of each set, with its \(level)% interval", axisLabel: name, style: style).png
    }

    /// The share of a pair's change that classes explain; only muted, with why, when the change
    /// itself cannot be told from noise (a share of noise means nothing).
    static func explainedCell(_ pair: RunComparison.PairResult) -> String {
        guard let explained = pair.deltaExplainedByTop1 else { return "" }
        let share = ClassMatchingSection.percent(explained)
        if pair.verdict == .better || pair.verdict == .worse { return share }
        return "<span class=\"muted\" title=\"the change itself is within its interval of 0\">(\(share))</span>"
    }

    /// FD_DINOv2 of each set with its interval (a chart of its own: its scale is not FID's).
    public func secondChart(style: FigureStyle = FigureStyle()) throws -> [UInt8] {
        let name = Self.secondSpace.name
        let sets = comparison.sets
        let level = NumberText.fixed(comparison.options.confidence * 100, digits: 0)
        return try IntervalLineChart.renderPNG(
            categories: sets.map(\.label),
            series: [.init(name: name, color: RGBColor(hex: 0x9467BD), values: sets.map(\.secondDistance),
                           intervals: sets.map { set in set.secondInterval.map { $0.lower...$0.upper } })],
            title: "\(name) of each set, with its \(level)% interval", axisLabel: name, style: style).png
    }

    /// The page's body: the method, the chart, the sets table and the pairs table.
    var html: String {
        let e = HTMLEscaping.text
        let options = comparison.options
        func number(_ value: Double?) -> String { value.map { NumberText.fixed($0, digits: 3) } ?? "" }
        func range(_ interval: BootstrapInterval?) -> String {
            interval.map { "[\(NumberText.fixed($0.lower, digits: 3)), \(NumberText.fixed($0.upper, digits: 3))]" } ?? ""
        }
        var html = "<p class=\"explain\">Reference: <code>\(e(referenceName))</code> (\(e(referenceProvenance))). "
            + "Intervals: \(e(BootstrapInterval.method)), \(options.bootstrap.replicates) replicates (seed "
            + "\(options.bootstrap.seed)), " + (comparison.referenceResampled
                ? "the reference's images resampled too, one reference resample per replicate shared by every set, so "
                    + "that a pair's Δ\(e(name)) interval is paired."
                : "the reference fixed (it has no rows to resample, or resampling was turned off).") + "</p>\n"
        html += "<p class=\"explain\">\(e(Self.coverage))</p>\n"
        for note in notes { html += "<p class=\"explain\">\(e(note))</p>\n" }
        var caption = "\(e(name)) (blue, with its interval)"
        if comparison.sets.contains(where: { $0.fdInfinity != nil }) {
            caption += ", \(e(name))∞ (orange: extrapolated to infinitely many images)"
        }
        if comparison.sets.contains(where: { $0.fidTop1Matched != nil }) {
            caption += " and Top-1 matched \(e(name)) (green: the images weighted to the reference's Top-1 class "
                + "histogram). A gap between blue and green that grows or shrinks across sets is ImageNet class "
                + "statistics; a move of both together is the images"
        }
        html += "<figure class=\"histogram\"><img src=\"\(Self.chartPath)\" alt=\"\(e(name)) of each set\">"
            + "<figcaption>\(caption).</figcaption></figure>\n"
        if hasSecond {
            let second = e(Self.secondSpace.name)
            html += "<figure class=\"histogram\"><img src=\"\(Self.secondChartPath)\" alt=\"\(second) of each set\">"
                + "<figcaption>\(second) of the same images, with its interval from the same image resamples: a "
                + "change that moves \(e(name)) but not \(second) is worth a second look.</figcaption></figure>\n"
        }

        html += "<h2 class=\"section\">Sets</h2>\n<table class=\"classes matching runs\"><thead><tr><th>set</th>"
            + "<th class=\"num\">N</th><th class=\"num\">\(e(name))</th><th>interval</th><th class=\"num\">\(e(name))∞</th>"
            + "<th class=\"num\">KID</th><th class=\"num\">Top-1 matched</th><th class=\"num\">explained by classes</th>"
            + (hasSecond ? "<th class=\"num\">\(e(Self.secondSpace.name))</th><th>interval</th>" : "")
            + "</tr></thead><tbody>\n"
        for set in comparison.sets {
            let kid = set.kid.map { NumberText.short($0.mean) + " ± " + NumberText.short($0.standardDeviation) } ?? ""
            html += "<tr><td><bdi>\(e(set.label))</bdi></td><td class=\"num\">\(set.n.map(String.init) ?? "")</td>"
                + "<td class=\"num\">\(number(set.fid))</td><td>\(range(set.fidInterval))</td>"
                + "<td class=\"num\">\(number(set.fdInfinity?.intercept))</td><td class=\"num\">\(kid)</td>"
                + "<td class=\"num\">\(number(set.fidTop1Matched))</td>"
                + "<td class=\"num\">\(set.explainedTop1.map(ClassMatchingSection.percent) ?? "")</td>"
                + (hasSecond ? "<td class=\"num\">\(number(set.secondDistance))</td><td>\(range(set.secondInterval))</td>" : "")
                + "</tr>\n"
        }
        html += "</tbody></table>\n"

        guard !comparison.pairs.isEmpty else { return html }
        html += "<h2 class=\"section\">Pairs</h2>\n<p class=\"explain\">Δ\(e(name)) = \(e(name)) of b − \(e(name)) of a; "
            + "below 0, b is closer to the reference. <em>Explained by classes</em> is the share of Δ\(e(name)) that "
            + "weighting both sets to the reference's Top-1 class histogram removes.</p>\n"
        html += "<table class=\"classes matching runs\"><thead><tr><th>a</th><th>b</th><th class=\"num\">Δ\(e(name))</th>"
            + "<th>interval</th><th>verdict</th><th class=\"num\">explained by classes</th>"
            + "<th>Top-1 classes whose share changed most (a → b)</th></tr></thead><tbody>\n"
        for pair in comparison.pairs {
            let verdictClass = pair.verdict.map { $0 == .better ? "better" : ($0 == .worse ? "worse" : "neutral") } ?? "neutral"
            let changes = shareChanges(pair).map {
                "\(e(ImageNetLabels.label($0.index))) \(ClassMatchingSection.percent($0.a)) → \(ClassMatchingSection.percent($0.b))"
            }.joined(separator: "; ")
            html += "<tr><td><bdi>\(e(comparison.sets[pair.a].label))</bdi></td>"
                + "<td><bdi>\(e(comparison.sets[pair.b].label))</bdi></td>"
                + "<td class=\"num \(verdictClass)\">\(NumberText.signed(pair.deltaFID))</td>"
                + "<td>\(range(pair.deltaInterval))</td><td class=\"wrap \(verdictClass)\">\(e(sentence(pair)))</td>"
                + "<td class=\"num\">\(Self.explainedCell(pair))</td>"
                + "<td class=\"wrap\">\(changes)</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }
}
