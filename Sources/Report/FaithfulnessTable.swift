import Heatmap
import Sensitivity

// MARK: - Which map to believe: ROAD scores over the explained images

/// The average ROAD score of each map (kind and layer) over the explained images that have one
/// (`ROADCurves.score`), how often the map beat the random order (`ROADCurves.beatsRandom`),
/// and the most faithful map: the one with the highest average score.
public struct FaithfulnessTable: Sendable {
    public struct Row: Sendable, Equatable {
        public let name: MapName
        public let target: ROADTarget
        /// Mean score over `scored` images.
        public let meanScore: Double
        /// Images with a score, and how many of them the map beat random on.
        public let scored: Int, beatRandom: Int
    }

    /// One row per map, in the figures' order (sensitivity first, then the CAM kinds; layer by
    /// layer).
    public let rows: [Row]

    /// nil when no row has a ROAD score (the run had no `--faithfulness`).
    public init?(_ explained: [ImageRow], layers: [String]) {
        let names = Set(explained.flatMap { $0.maps?.faithfulness.keys.map { $0 } ?? [] })
        guard !names.isEmpty else { return nil }
        let kinds = [MapName.sensitivityKind] + Set(names.map(\.kind)).subtracting([MapName.sensitivityKind])
            .compactMap(CAMKind.init(key:)).sorted().map(\.key)
        rows = kinds.flatMap { kind in layers.map { MapName(kind: kind, layer: $0) } }.filter(names.contains).map { name in
            let curves = explained.compactMap { $0.maps?.faithfulness[name] }
            let scores = curves.compactMap(\.score).filter(\.isFinite)
            return Row(name: name, target: curves[0].target,
                       meanScore: scores.isEmpty ? .nan : scores.reduce(0, +) / Double(scores.count),
                       scored: scores.count, beatRandom: curves.filter { $0.beatsRandom == true }.count)
        }
    }

    /// The row with the highest mean score (nil when no map has one).
    public var mostFaithful: Row? { rows.filter { $0.meanScore.isFinite }.max { $0.meanScore < $1.meanScore } }

    /// The table as an HTML section (already escaped).
    var html: String {
        let e = HTMLEscaping.text
        var html = "<h2 class=\"section\" id=\"faithfulness\">Which map to believe: ROAD faithfulness</h2>\n"
        html += "<p class=\"explain\">ROAD (Rong et al., ICML 2022) removes each explained image's pixels in a map's "
            + "order, 10% to 90%, fills them by noisy linear imputation, and watches the map's target: ΔFID for FID's "
            + "sensitivity and the CAMs of ΔFID, the Top-1 logit for the Top-1 CAMs. Score = mean over the steps of "
            + "(LeRF − MoRF) / the target's original value: higher means removing what the map points at moves the "
            + "target more than removing what it leaves out. A map beats random when its MoRF curve lies below the "
            + "random order's and its LeRF curve above, on average. Scores of different targets are not comparable "
            + "as measurements of the same thing.</p>\n"
        if let best = mostFaithful {
            html += "<p>Most faithful map on this set: <strong>\(e(best.name.title))</strong>, mean score "
                + "\(NumberText.signed(best.meanScore)) over \(best.scored) images.</p>\n"
        }
        html += "<table class=\"faithfulness\"><thead><tr><th>map</th><th>target</th><th class=\"num\">mean score</th>"
            + "<th class=\"num\">beat random</th></tr></thead>\n<tbody>\n"
        for row in rows {
            let count = "\(row.beatRandom) of \(row.scored)"
            html += "<tr><td>\(e(row.name.title))</td><td>\(e(row.target.displayName))</td>"
                + "<td class=\"num\">\(row.meanScore.isFinite ? NumberText.signed(row.meanScore) : "–")</td>"
                + "<td class=\"num\">\(count)</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }
}
