import Foundation
import Heatmap
import InceptionGraph
import NumpyFiles
import Pixels
import Sensitivity

/// Turns ranked image rows into a report folder: one figure per explained image
/// (`panels/NNNN-<name>.png`, and `.pixelgrad.npy` with pixel gradients), class thumbnails
/// (`thumbs/`), the ΔFID histogram (`delta-fid.png`), the Top-1 class histogram
/// (`classes.png`), index.html, report.json and images.csv.
public struct ReportWriter {
    public let folder: ReportFolder
    public var style: FigureStyle
    /// The maps' layers, in the order the figure shows them.
    public var layers: [InceptionLayer]
    /// How many of the worst and of the best images the report explains (`ImageRow.selection`).
    public var top: Int
    public var best: Int
    /// Drawn on every figure when the weights are not the official ones.
    public var warning: String?
    /// Called after each figure as (done, total).
    public var onFigure: (Int, Int) -> Void = { _, _ in }

    /// Classes listed under "classes that drive this FID".
    public static let shownClasses = 15

    public init(folder: ReportFolder, style: FigureStyle, layers: [InceptionLayer], top: Int, best: Int,
                warning: String?) {
        self.folder = folder
        self.style = style
        self.layers = layers
        self.top = top
        self.best = best
        self.warning = warning
    }

    /// Writes every file; `rows` may come in any order (they are ranked here). Only the rows
    /// `ImageRow.selection` picks are explained: their maps are drawn and written, other rows'
    /// maps are left out. Returns the bytes of report.json.
    public func write(rows: [ImageRow], summary: ReportSummary, referenceHistogram: [Int64]?,
                      sections: [String] = [], extraJSON: [String: JSONValue] = [:]) throws -> Data {
        var ranked = ImageRow.ranked(rows)
        let selection = ImageRow.selection(ranked, top: top, best: best)
        let chosen = Set(selection.worst + selection.best)
        for position in ranked.indices where !chosen.contains(position) { ranked[position].maps = nil }
        let explained = (selection.worst + selection.best).filter { ranked[$0].maps != nil }
        let digits = max(4, String(ranked.count).count)
        for position in explained {
            let stem = String(format: "%0\(digits)d-", position + 1) + Self.safeStem(ranked[position].file)
            ranked[position].panel = "panels/\(stem).png"
            if ranked[position].maps?.pixelGradient != nil {
                ranked[position].pixelGradientFile = "panels/\(stem).pixelgrad.npy"
            }
        }
        try renderFigures(explained.map { ranked[$0] })

        let classes = ClassContribution.aggregate(ranked)
        let shown = Array(classes.prefix(Self.shownClasses))
        var thumbnails: [Int: String] = [:]
        for c in shown {
            let path = "thumbs/class-\(c.index).png"
            try folder.write(try Thumbnail.png(of: try ImageDecoder.decode(ranked[c.worstRow].source)), to: path)
            thumbnails[c.index] = path
        }
        var deltaHistogram: String?
        if ranked.count > 1 {
            deltaHistogram = "delta-fid.png"
            try folder.write(try HistogramChart.renderPNG(ranked.map(\.deltaFID), title: "ΔFID of each image",
                                                          axisLabel: "ΔFID (FID with the image − FID without it)",
                                                          style: style), to: deltaHistogram!)
        }
        var classHistogram: String?
        if ranked.count > 1 {
            classHistogram = "classes.png"
            try folder.write(try ClassHistogramChart.renderPNG(Self.histogram(ranked, reference: referenceHistogram),
                                                               style: style), to: classHistogram!)
        }
        let page = ReportPage(summary: summary, rows: ranked, worst: selection.worst.filter { ranked[$0].maps != nil },
                              best: selection.best.filter { ranked[$0].maps != nil }, classes: shown,
                              classThumbnails: thumbnails, deltaHistogramPath: deltaHistogram,
                              classHistogramPath: classHistogram, sections: sections)
        try folder.write(HTMLReport.render(page), to: "index.html")
        try folder.write(to: "images.csv") { try ImagesCSV.write(ranked, to: $0) }
        var document = ReportJSON.document(summary: summary, rows: ranked, classes: classes, layers: layers)
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
    private func renderFigures(_ rows: [ImageRow]) throws {
        let lock = NSLock()
        var done = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: rows.count) { index in
            do {
                let row = rows[index]
                try folder.write(try renderFigure(row), to: row.panel!)
                if let file = row.pixelGradientFile, let gradient = row.maps?.pixelGradient {
                    let array = NpyArray(shape: [3, row.height, row.width], values: .float32(gradient))
                    try folder.write(Npy.encode(array), to: file)
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

    private func renderFigure(_ row: ImageRow) throws -> [UInt8] {
        let image = try ImageDecoder.decode(row.source)
        var panels = [PanelSpec.original]
        if let maps = row.maps {
            for layer in layers {
                if let map = maps.sensitivity[layer] { panels.append(.sensitivity(layer: layer.rawValue, map: map)) }
                if let map = maps.gradCAMTop1[layer] { panels.append(.gradCAM(layer: layer.rawValue, map: map)) }
            }
            if let gradient = maps.pixelGradient {
                panels.append(PanelSpec(title: "|dFID/dpixel|",
                                        map: Self.gradientMagnitude(gradient, width: row.width, height: row.height)))
            }
        }
        return try PanelFigure.render(image: image, panels: panels, caption: row.caption(warning: warning),
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

    private static func histogram(_ rows: [ImageRow], reference: [Int64]?) -> ClassHistogram {
        ClassHistogram.top1(rows.map(\.top1.index), reference: reference,
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

extension ClassHistogram {
    /// The Top-1 class histogram of generated images (`top1`, one class index each) against
    /// the reference's counts, with each class's weighted share when `weights` (one per image)
    /// are given. Classes absent from both sets are left out.
    static func top1(_ top1: [Int], reference: [Int64]?, weights: [Double]? = nil, title: String,
                     weightedLabel: String = "generated, weighted") -> ClassHistogram {
        let classes = reference?.count ?? InceptionArchitecture.classCount
        var generated = [Int](repeating: 0, count: classes)
        var weighted = [Double](repeating: 0, count: classes)
        for (i, c) in top1.enumerated() where c < classes {
            generated[c] += 1
            weighted[c] += weights?[i] ?? 0
        }
        let counts = (0 ..< classes).compactMap { index -> ClassCount? in
            let ref = reference.map { Int($0[index]) }
            guard generated[index] > 0 || (ref ?? 0) > 0 else { return nil }
            return ClassCount(index: index, label: ImageNetLabels.label(index), generated: generated[index], reference: ref,
                              weightedShare: weights == nil ? nil : weighted[index])
        }
        return ClassHistogram(counts: counts, generatedTotal: top1.count,
                              referenceTotal: reference.map { Int($0.reduce(0, +)) }, title: title,
                              weightedLabel: weightedLabel)
    }
}
