import Foundation
import Frechet
import InceptionGraph
import Pixels
import Report
import Sensitivity
import TestSupport
import XCTest

/// Rows, summaries and folders shared by the report tests.
enum Support {
    static func goldenImage(_ name: String) -> URL {
        Fixtures.url("golden/images/\(name)")
    }

    /// A row for `file` with ΔFID `delta`; the image itself is a golden one (`image`).
    static func row(_ file: String, delta: Double, label: String = "tabby, tabby cat", index: Int = 282,
                    image: String = "chelsea_crop96.png", explained: Bool = false) -> ImageRow {
        let top1 = ClassScore(index: index, label: label, probability: 0.61)
        let contribution = SampleContribution(fidAfter: 37006.7014598 + delta, deltaFID: delta, gradient: [])
        var row = ImageRow(file: ImagePath(file), source: ImagePath(goldenImage(image)), width: 96, height: 96,
                           top5: [top1, ClassScore(index: 286, label: "Egyptian cat", probability: 0.2)],
                           distances: [ImageDistance(space: .inceptionPool3, contribution)])
        if explained {
            row.maps = ImageMaps(sensitivity: ["mixed_7c": blob(8)], gradCAMTop1: ["mixed_7c": blob(8)])
        }
        return row
    }

    static func summary(official: Bool = false) -> ReportSummary {
        ReportSummary(fid: 37006.7014598, n: 50, referencePath: "stats/<ref>.npz",
                      referenceProvenance: "made by \"fidviz stats\" & friends",
                      weightsSHA256: String(repeating: "ab", count: 32), weightsAreOfficial: official,
                      generatedSetDescription: "folder samples/ (50 PNGs)")
    }

    static func blob(_ size: Int) -> SpatialMap {
        SpatialMap(width: size, height: size, values: (0 ..< size * size).map { i in
            let x = Double(i % size) - 3, y = Double(i / size) - 4
            return Float(exp(-(x * x + y * y) / 8))
        })
    }

    static func temporaryFolder(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ReportTests-\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
