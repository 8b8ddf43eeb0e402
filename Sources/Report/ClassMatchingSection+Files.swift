import Foundation
import Heatmap
import NumpyFiles

// MARK: - The section as text, as saved weights and as a report of its own

extension ClassMatchingSection {
    /// The plain-text summary `fidviz classes` prints without --json.
    public var text: String {
        let a = analysis
        func number(_ value: Double) -> String { NumberText.fixed(value, digits: 4) }
        func ess(_ value: Double) -> String {
            let text = "ESS \(NumberText.fixed(value, digits: 1)) of \(generatedCount)"
            return value < lowEffectiveSampleSize ? text + ", under N/10: too few images to trust" : text
        }
        var lines = ["FID: \(number(a.fid))"]
        if let fid = a.fidTop1Matched, let top1 = a.top1 {
            lines.append("Top-1 matched FID: \(number(fid)) (\(ess(top1.effectiveSampleSize)); reference mass in classes "
                + "the generated set lacks: \(Self.percent(top1.unmatchedReferenceMass)))")
        }
        if let fid = a.fidTopNMatched, let topN = a.topN {
            lines.append("Top-\(self.topN) matched FID: \(number(fid)) (\(ess(topN.optimization.effectiveSampleSize)))")
        }
        let optimizer = a.pool3Weighted
        lines.append("pool3-weighted FID (lowest by weighting): \(number(a.fidPool3Weighted)) "
            + "(\(ess(optimizer.effectiveSampleSize)); \(optimizer.iterations) iterations, "
            + (optimizer.converged ? "converged" : "not converged: an upper bound") + ")")
        lines.append("pool3-weighted, resampled: \(number(a.fidPool3Resampled.median)) (median of "
            + "\(a.fidPool3Resampled.values.count) draws)")
        if let fd = a.fdLogits {
            lines.append("FD logits: \(number(fd))" + (a.fdLogitsTop1Matched.map { ", Top-1 matched \(number($0))" } ?? ""))
        }
        for other in a.otherFeatures {
            func value(_ v: Double) -> String { "\(number(v)) (\(Self.change(v, from: other.fd)))" }
            var parts = ["\(other.space.distanceName): \(number(other.fd))"]
            if let v = other.fdTop1Matched { parts.append("Top-1 matched \(value(v))") }
            if let v = other.fdTopNMatched { parts.append("Top-\(self.topN) matched \(value(v))") }
            parts.append("pool3-weighted \(value(other.fdPool3Weighted))")
            parts.append("resampled \(value(other.fdPool3Resampled.median))")
            lines.append(parts.joined(separator: ", "))
        }
        lines.append(headline)
        return lines.joined(separator: "\n")
    }

    /// `files` [N] and the weight vectors [N] float64 (`top1`, `topn`, `pool3`) that reproduce
    /// every number of the section, for `fidviz classes --save-weights`.
    public func weightArrays(names: [String]) -> [(name: String, array: NpyArray)] {
        let a = analysis
        var arrays: [(name: String, array: NpyArray)] = [("files", NpyArray(shape: [names.count], values: .unicode(names)))]
        if let top1 = a.top1 { arrays.append(("top1", NpyArray(top1.weights))) }
        if let topN = a.topN { arrays.append(("topn", NpyArray(topN.weights))) }
        arrays.append(("pool3", NpyArray(a.pool3Weighted.weights)))
        return arrays
    }

    /// The section as a report of its own (`fidviz classes -o`): index.html and classes.json.
    public func writeReport(to folder: ReportFolder, summary: ReportSummary) throws {
        let html = try write(to: folder, style: FigureStyle())
        try folder.write(HTMLReport.renderSections(summary: summary, sections: [html], jsonPath: "classes.json"),
                         to: "index.html")
        try folder.write(json.serialized(pretty: true), to: "classes.json")
    }
}
