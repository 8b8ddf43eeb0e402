import Foundation
import Frechet
import Heatmap
import InceptionGraph
import NumpyFiles
import Pixels
import Sensitivity

/// A layer the maps are taken at, by its name in the checkpoint (`mixed_7c`, `blocks.23.norm1`),
/// and the distance whose sensitivity its map shows.
public struct MapLayer: Sendable, Equatable {
    public let name: String
    public let space: FeatureSpace

    public init(_ name: String, space: FeatureSpace) {
        self.name = name
        self.space = space
    }
}

/// Turns ranked image rows into a report folder: one figure per explained image
/// (`panels/NNNN-<name>.png`, and `.pixelgrad.npy` with pixel gradients), class thumbnails
/// (`thumbs/`), the ΔFID histogram (`delta-fid.png`), the Top-1 class histogram
/// (`classes.png`), index.html, report.json and images.csv.
public struct ReportWriter {
    public let folder: ReportFolder
    public var style: FigureStyle
    /// The maps' layers, in the order the figure shows them.
    public var layers: [MapLayer]
    /// Drawn on every figure when the weights are not the official ones.
    public var warning: String?
    /// Called after each figure as (done, total).
    public var onFigure: (Int, Int) -> Void = { _, _ in }

    /// Classes listed under "classes that drive this FID".
    public static let shownClasses = 15

    public init(folder: ReportFolder, style: FigureStyle, layers: [MapLayer], warning: String?) {
        self.folder = folder
        self.style = style
        self.layers = layers
        self.warning = warning
    }

    /// Writes every file for `ranked` as it is: the figures of its explained rows (`worst`,
    /// `best` and the disagreements, those with maps; maps elsewhere are left out), and class
    /// thumbnails of the images that are on this machine. Returns the bytes of report.json.
    public func write(_ ranked: RankedRows, summary: ReportSummary, referenceHistogram: [Int64]?,
                      sections: [String] = [], extraJSON: [String: JSONValue] = [:]) throws -> Data {
        var ranked = ranked
        let selected = Set(ranked.explained)
        for position in ranked.rows.indices where !selected.contains(position) { ranked[position].maps = nil }
        func withMaps(_ positions: [Int]) -> [Int] { positions.filter { ranked[$0].maps != nil } }
        func withMaps(_ parted: Disagreements) -> Disagreements {
            Disagreements(aOnly: withMaps(parted.aOnly), bOnly: withMaps(parted.bOnly))
        }
        let worst = withMaps(ranked.worst), best = withMaps(ranked.best)
        let explained = withMaps(ranked.explained)
        let digits = max(4, String(ranked.rows.count).count)
        for position in explained {
            let stem = String(format: "%0\(digits)d-", position + 1) + Self.safeStem(ranked[position].file.description)
            ranked[position].panel = "panels/\(stem).png"
            if ranked[position].maps?.pixelGradient != nil {
                ranked[position].pixelGradientFile = "panels/\(stem).pixelgrad.npy"
            }
            for name in ranked[position].maps?.faithfulness.keys.map({ $0 }) ?? [] {
                ranked[position].roadPlots[name] = "panels/\(stem).road-\(Self.safeStem(name.kind + "-" + name.layer)).png"
            }
        }
        try renderFigures(explained.map { ranked[$0] }, imageCount: ranked.rows.count)

        let rows = ranked.rows
        let classes = ClassContribution.aggregate(rows)
        let shown = Array(classes.prefix(Self.shownClasses))
        var thumbnails: [Int: String] = [:]
        for c in shown where rows[c.worstRow].source.isReadable {
            let path = "thumbs/class-\(c.index).png"
            try folder.write(try Thumbnail.png(of: try ImageDecoder.decode(rows[c.worstRow].source)), to: path)
            thumbnails[c.index] = path
        }
        var deltaHistogram: String?
        if rows.count > 1 {
            let name = rows[0].ranking.space.name
            deltaHistogram = "delta-fid.png"
            try folder.write(try HistogramChart.renderPNG(rows.map(\.ranking.delta), title: "Δ\(name) of each image",
                                                          axisLabel: "Δ\(name) (\(name) with the image − \(name) without it)",
                                                          style: style), to: deltaHistogram!)
        }
        var classHistogram: String?
        if rows.count > 1 && rows.contains(where: { $0.top1 != nil }) {
            classHistogram = "classes.png"
            try folder.write(try ClassHistogramChart.renderPNG(Self.histogram(rows, reference: referenceHistogram),
                                                               style: style), to: classHistogram!)
        }
        let agreement = ReportAgreement(ranked)
        let twoSpaceClasses = TwoSpaceClass.classes(ranked, distances: summary.distances)
        let scatter = try agreement?.spaces.map { spaces in
            try writeScatter(ranked, a: spaces.a, b: spaces.b, rho: spaces.rho, distances: summary.distances)
        }
        var page = ReportPage(summary: summary, rows: rows, worst: worst, best: best, classes: shown,
                              classThumbnails: thumbnails, deltaHistogramPath: deltaHistogram,
                              classHistogramPath: classHistogram, sections: sections)
        page.spaceDisagreements = withMaps(ranked.spaceDisagreements)
        page.peopleDisagreements = withMaps(ranked.peopleDisagreements)
        page.agreement = agreement
        page.twoSpaceClasses = twoSpaceClasses
        page.scatterPath = scatter
        page.agreementColumn = ranked.compared?.a ?? 0
        page.faithfulness = FaithfulnessTable(explained.map { rows[$0] }, layers: layers.map(\.name))
        try folder.write(HTMLReport.render(page), to: "index.html")
        try folder.write(to: "images.csv") { try ImagesCSV.write(rows, humanScores: ranked.hasHumanScores, to: $0) }
        var document = ReportJSON.document(summary: summary, rows: rows, classes: classes, layers: layers.map(\.name),
                                           agreement: agreement, twoSpaceClasses: twoSpaceClasses,
                                           humanScores: ranked.hasHumanScores)
        if case .object(var members) = document {
            for (key, value) in extraJSON { members[key] = value }
            document = .object(members)
        }
        let data = document.serialized(pretty: true)
        try folder.write(data, to: "report.json")
        return data
    }

    // MARK: - Figures

    /// Draws and writes the figures on every core (each figure is independent: its own image
    /// decode, Cairo surface and PNG encoding). The first error, if any, is rethrown.
    private func renderFigures(_ rows: [ImageRow], imageCount: Int) throws {
        let lock = NSLock()
        var done = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: rows.count) { index in
            do {
                let row = rows[index]
                try folder.write(try renderFigure(row, imageCount: imageCount), to: row.panel!)
                if let file = row.pixelGradientFile, let gradient = row.maps?.pixelGradient {
                    let array = NpyArray(shape: [3, row.height, row.width], values: .float32(gradient))
                    try folder.write(Npy.encode(array), to: file)
                }
                for (name, path) in row.roadPlots {
                    let curves = row.maps!.faithfulness[name]!
                    // Short enough for the plot's 360 px at any score's digits.
                    let score = (curves.score.map { "ROAD " + NumberText.signed($0) } ?? "no ROAD score") + ", x: % removed"
                    try folder.write(try ROADChart.renderPNG(
                        fractions: curves.fractions, morf: curves.morf, lerf: curves.lerf, random: curves.random,
                        title: score, axisLabel: "\(curves.target.displayName) of \(name.title)", style: style), to: path)
                }
                lock.lock()
                done += 1
                onFigure(done, rows.count)
                lock.unlock()
            } catch {
                lock.lock()
                if failure == nil { failure = error }
                lock.unlock()
            }
        }
        if let failure { throw failure }
    }

    private func renderFigure(_ row: ImageRow, imageCount: Int) throws -> [UInt8] {
        let image = try ImageDecoder.decode(row.source)
        var panels = [PanelSpec.original]
        if let maps = row.maps {
            // Each layer's sensitivity with its CAMs beside it; with maps of several distances,
            // the sensitivity maps side by side first, then the CAMs.
            let sensitivity = layers.map { layer in
                maps.sensitivity[layer.name].map { PanelSpec.sensitivity(layer: layer.name, map: $0, distance: layer.space.name) }
            }
            let kinds = maps.cams.keys.sorted()
            let cams = layers.map { layer in
                kinds.compactMap { kind in
                    maps.cams[kind]![layer.name].map { PanelSpec(title: "\(kind.title) (\(layer.name))", map: $0) }
                }
            }
            if Set(layers.map(\.space)).count > 1 {
                panels += sensitivity.compactMap { $0 } + cams.joined()
            } else {
                panels += zip(sensitivity, cams).flatMap { [$0].compactMap { $0 } + $1 }
            }
            if let gradient = maps.pixelGradient {
                panels.append(PanelSpec(title: "|dFID/dpixel|",
                                        map: Self.gradientMagnitude(gradient, width: row.width, height: row.height)))
            }
        }
        return try PanelFigure.render(image: image, panels: panels, caption: row.caption(warning: warning, imageCount: imageCount),
                                      style: style).png
    }

    /// max over channels of |g| for a [3, H, W] pixel gradient.
    static func gradientMagnitude(_ gradient: [Float], width: Int, height: Int) -> SpatialMap {
        let plane = width * height
        precondition(gradient.count == 3 * plane, "pixel gradient of \(gradient.count) values for 3x\(height)x\(width)")
        var values = [Float](repeating: 0, count: plane)
        for p in 0 ..< plane {
            values[p] = max(abs(gradient[p]), abs(gradient[plane + p]), abs(gradient[2 * plane + p]))
        }
        return SpatialMap(width: width, height: height, values: values)
    }

    // MARK: - Pieces

    /// `scatter.png`: every image's Δ in space A against its Δ in space B, each as a share of its
    /// set's distance, with Spearman's rho and the images the spaces part on most highlighted.
    private func writeScatter(_ ranked: RankedRows, a: FeatureSpace, b: FeatureSpace, rho: Double,
                              distances: [SetDistance]) throws -> String {
        let (columnA, columnB) = ranked.compared!
        let (scaleA, scaleB) = (distances.divisor(of: a) ?? 1, distances.divisor(of: b) ?? 1)
        let path = "scatter.png"
        try folder.write(try ScatterChart.renderPNG(
            xs: ranked.rows.map { $0.distances[columnA].delta / scaleA },
            ys: ranked.rows.map { $0.distances[columnB].delta / scaleB },
            title: "Δ\(a.name) against Δ\(b.name) of each image",
            correlation: "Spearman ρ = \(NumberText.fixed(rho, digits: 3))",
            xLabel: "Δ\(a.name) / \(a.name)", yLabel: "Δ\(b.name) / \(b.name)",
            highlights: [ScatterChart.Highlight(label: "\(a.name)-only offenders", indices: ranked.spaceDisagreements.aOnly),
                         ScatterChart.Highlight(label: "\(b.name)-only offenders", indices: ranked.spaceDisagreements.bOnly)],
            style: style), to: path)
        return path
    }

    private static func histogram(_ rows: [ImageRow], reference: [Int64]?) -> ClassHistogram {
        ClassHistogram.top1(rows.compactMap(\.top1?.index), reference: reference,
                            title: "Top-1 ImageNet classes: generated vs reference")
    }

    /// The file name without folder and extension, keeping only letters, digits, '-' and '_'
    /// (at most 60), so that no user-chosen name becomes a path.
    static func safeStem(_ file: String) -> String {
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return String(stem.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_"
        }.prefix(60))
    }
}
