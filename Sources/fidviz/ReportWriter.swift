import Foundation
import Heatmap
import InceptionGraph
import Sensitivity

/// Turns explained images into the report's files: panels/*.png, classes.png, index.html, report.json.
struct ReportWriter {
    let folder: ReportFolder
    let style: FigureStyle
    let layers: [InceptionLayer]
    let top: Int
    let warning: String?
    let quiet: Bool

    func write(_ images: [ExplainedImage], setFID: Double, generated: GeneratedSet, reference: ReferenceStatistics,
               weightsSHA256: String, weightsAreOfficial: Bool) throws -> Data {
        let worstFirst = images.sorted { a, b in
            let x = a.explanation.contribution.deltaFID, y = b.explanation.contribution.deltaFID
            return x.isNaN ? false : (y.isNaN ? true : x > y)
        }
        let figureCount = min(top, worstFirst.count)
        let panelPaths = worstFirst.enumerated().map { rank, item in
            rank < figureCount ? "panels/" + panelFileName(rank: rank, file: item.file) : ""
        }
        try renderFigures(Array(worstFirst.prefix(figureCount)), to: Array(panelPaths.prefix(figureCount)))
        let cards = zip(worstFirst, panelPaths).map { item, panelPath in
            ImageCard(file: item.name, width: item.width, height: item.height,
                      top1: score(item.top5[0]), top5: item.top5.map(score),
                      fidBefore: item.explanation.fidBefore,
                      fidAfter: item.explanation.contribution.fidAfter,
                      deltaFID: item.explanation.contribution.deltaFID, panelPath: panelPath)
        }

        var histogramPath: String?
        if images.count > 1 {
            histogramPath = "classes.png"
            try folder.write(try ClassHistogramChart.renderPNG(histogram(images, reference: reference), style: style),
                             to: histogramPath!)
        }
        var notes: [String] = []
        if figureCount < images.count {
            notes.append("Panel figures for the \(figureCount) images with the largest ΔFID (--top \(top)); report.json has every image's maps.")
        }
        let summary = ReportSummary(fid: setFID, n: generated.n, referencePath: reference.path,
                                    referenceProvenance: reference.provenance, weightsSHA256: weightsSHA256,
                                    weightsAreOfficial: weightsAreOfficial,
                                    generatedSetDescription: generated.description, warning: warning,
                                    histogramPath: histogramPath, notes: notes)
        try folder.write(HTMLReport.render(summary: summary, cards: cards), to: "index.html")

        let json = ReportJSON(fid: setFID, n: generated.n, genSource: generated.description, images: worstFirst.map { item in
            ReportJSON.Image(file: item.name, width: item.width, height: item.height, top1: score(item.top5[0]),
                             top5: item.top5.map(score), fidBefore: item.explanation.fidBefore,
                             fidAfter: item.explanation.contribution.fidAfter,
                             deltaFID: item.explanation.contribution.deltaFID,
                             sensitivity: Dictionary(uniqueKeysWithValues: layers.map {
                                 ($0.rawValue, scalarMap(item.explanation.sensitivity[$0]!))
                             }),
                             gradcamTop1: item.explanation.gradCAMTop1[layers[0]].map(scalarMap))
        })
        let data = try json.encoded(prettyPrinted: true)
        try folder.write(data, to: "report.json")
        return data
    }

    /// Draws and writes the figures on every core (each figure is independent: its own image
    /// decode, Cairo surface and PNG encoding). The first error, if any, is rethrown.
    private func renderFigures(_ items: [ExplainedImage], to paths: [String]) throws {
        let progress = ProgressBar(label: "figures", quiet: quiet)
        let lock = NSLock()
        var done = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            do {
                try folder.write(try renderFigure(items[index]), to: paths[index])
                lock.lock()
                done += 1
                progress.update(done: done, total: items.count, unit: "fig")
                lock.unlock()
            } catch {
                lock.lock()
                if failure == nil { failure = error }
                lock.unlock()
            }
        }
        if let failure { throw failure }
    }

    private func renderFigure(_ item: ExplainedImage) throws -> [UInt8] {
        let image = try PNGDecoder.decode(contentsOf: item.file)
        var panels = [PanelSpec.original]
        for layer in layers {
            panels.append(.sensitivity(layer: layer.rawValue, map: scalarMap(item.explanation.sensitivity[layer]!)))
            panels.append(.gradCAM(layer: layer.rawValue, map: scalarMap(item.explanation.gradCAMTop1[layer]!)))
        }
        let top1 = item.top5[0]
        let caption = FigureCaption(top1Label: "\(top1.label) (#\(top1.index))", top1Probability: top1.probability,
                                    fidBefore: item.explanation.fidBefore,
                                    fidAfter: item.explanation.contribution.fidAfter,
                                    deltaFID: item.explanation.contribution.deltaFID,
                                    extraLines: ["\(item.name)  \(item.width)x\(item.height)"], warning: warning)
        return try PanelFigure.render(image: RGBPixels(width: image.width, height: image.height, rgb: image.rgb),
                                      panels: panels, caption: caption, style: style).png
    }

    private func histogram(_ images: [ExplainedImage], reference: ReferenceStatistics) -> ClassHistogram {
        var generated = [Int](repeating: 0, count: InceptionArchitecture.classCount)
        for item in images { generated[item.top5[0].index] += 1 }
        let referenceCounts = reference.top1Histogram
        let counts = (0 ..< InceptionArchitecture.classCount).compactMap { index -> ClassCount? in
            let ref = referenceCounts.map { Int($0[index]) }
            guard generated[index] > 0 || (ref ?? 0) > 0 else { return nil }
            return ClassCount(index: index, label: ImageNetLabels.label(index), generated: generated[index], reference: ref)
        }
        return ClassHistogram(counts: counts, generatedTotal: images.count,
                              referenceTotal: referenceCounts.map { Int($0.reduce(0, +)) },
                              title: "Top-1 ImageNet classes: generated vs reference")
    }

    private func score(_ p: ClassPrediction) -> ClassScore {
        ClassScore(index: p.index, label: p.label, probability: p.probability)
    }

    private func scalarMap(_ map: SpatialMap) -> ScalarMap {
        ScalarMap(width: map.width, height: map.height, values: map.values)
    }

    /// "0003-chelsea.png": rank first so the folder lists worst first; the stem keeps only
    /// letters, digits, '-' and '_' so no user-chosen name becomes a path.
    private func panelFileName(rank: Int, file: URL) -> String {
        let stem = file.deletingPathExtension().lastPathComponent
        let safe = String(stem.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" }.prefix(60))
        return String(format: "%04d-", rank + 1) + safe + ".png"
    }
}
