import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Pixels
import Sensitivity

// MARK: - One image in a report

/// One image's contribution to the distance of one feature space: a column of the report row.
public struct ImageDistance: Sendable, Equatable {
    public var space: FeatureSpace
    /// The set's distance without the image.
    public var before: Double
    /// The distance once the image joins the set.
    public var after: Double
    /// `after - before` (computed directly, not by subtraction); positive when the image makes
    /// the distance worse.
    public var delta: Double
    /// The image's rank by `delta` among the report's images, 1 = worst (the largest Δ); set by
    /// `RankedRows` in a report of two spaces.
    public var rank: Int?

    public init(space: FeatureSpace, _ contribution: SampleContribution) {
        self.space = space
        before = contribution.fidBefore
        after = contribution.fidAfter
        delta = contribution.deltaFID
    }
}

/// Everything a report says about one image: the one row type behind report.json, images.csv,
/// the HTML cards and the figure captions.
public struct ImageRow: Sendable {
    /// The file as the user named it (a relative path when it came from a folder walk, or as a
    /// features file lists it), as its exact bytes: what report.json and images.csv list.
    public var file: ImagePath
    /// Where the image can be read again, for its figure and thumbnails (the same path as `file`
    /// when fidviz made the row).
    public var source: ImagePath
    public var width: Int
    public var height: Int
    /// The five most probable classes, most probable first; empty when the image's logits are
    /// not known (a features file of pool3 only): then it has no class.
    public var top5: [ClassScore]
    /// The image's contribution in each feature space, the ranking space first.
    public var distances: [ImageDistance]
    /// In a report of two spaces, `rank_B / N - rank_A / N` with A FID's column and B the other
    /// (`RankedRows`): positive when FID ranks the image worse than the other space does.
    public var disagreement: Double?
    /// People's score of the image (the share who judged it fake), when `--human` scored it.
    public var humanScore: Double?
    /// The image's maps, for explained images only.
    public var maps: ImageMaps?
    /// Its figure's path relative to the report folder, once drawn.
    public var panel: String?
    /// Its pixel gradient's `.npy` path relative to the report folder, once written.
    public var pixelGradientFile: String?
    /// Each map's ROAD plot path relative to the report folder, once drawn (`--faithfulness`).
    public var roadPlots: [MapName: String] = [:]

    public init(file: ImagePath, source: ImagePath? = nil, width: Int, height: Int, top5: [ClassScore],
                distances: [ImageDistance]) {
        precondition(!distances.isEmpty, "ImageRow \(file): no distance to rank by")
        self.file = file
        self.source = source ?? file
        self.width = width
        self.height = height
        self.top5 = top5
        self.distances = distances
    }

    /// The most probable class, when the image's logits are known.
    public var top1: ClassScore? { top5.first }

    /// The column the report ranks by.
    public var ranking: ImageDistance { distances[0] }

    // MARK: - The one order

    /// The report's order: largest Δ of the ranking space first (the image that hurts the
    /// distance most), images whose Δ is not finite (NaN, ±inf) last, ties by file name. Panel file
    /// names, report.json, images.csv and the HTML all list images in this order, and an image's
    /// rank is its 1-based position in it.
    public static func isWorse(_ a: ImageRow, than b: ImageRow) -> Bool {
        let x = a.ranking.delta, y = b.ranking.delta
        switch (x.isFinite, y.isFinite) {
        case (true, false): return true
        case (false, true): return false
        case (true, true) where x != y: return x > y
        default: return a.file < b.file
        }
    }

    // MARK: - Caption

    /// The figure caption: Top-1 class and probability, the ranking Δ with the distance before →
    /// after (and, in a report of two spaces, the image's rank among `imageCount`), each further
    /// column's on a line of its own, then people's score when known, then the file name and
    /// size; `warning` first when set.
    public func caption(warning: String?, imageCount: Int? = nil) -> FigureCaption {
        func delta(_ distance: ImageDistance) -> [String] {
            let name = distance.space.name
            let rank = distance.rank.map { rank in ", rank \(rank)" + (imageCount.map { " of \($0)" } ?? "") } ?? ""
            return ["Δ\(name) = \(NumberText.signed(distance.delta))" + rank,
                    "(\(name) \(NumberText.fixed(distance.before, digits: 3)) → \(NumberText.fixed(distance.after, digits: 3)))"]
        }
        let headline = top1.map { ["Top-1: \($0.label) (#\($0.index))", "(p = \(NumberText.fixed($0.probability, digits: 3)))"] }
            ?? ["Top-1: none (no logits for this image)"]
        let people = humanScore.map { ["people: \(NumberText.fixed($0, digits: 2)) judged it fake"] } ?? []
        return FigureCaption(
            headline: headline, details: delta(ranking),
            extraLines: distances.dropFirst().map { delta($0).joined(separator: "   ") } + people
                + ["\(file)  \(width)x\(height)"],
            warning: warning)
    }
}
