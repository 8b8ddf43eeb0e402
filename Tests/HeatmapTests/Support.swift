import Foundation
import Pixels
import TestSupport
import XCTest
@testable import Heatmap

// MARK: - Fixtures and helpers shared by the Heatmap tests

enum Support {
    /// A golden input image, decoded as fidviz decodes its inputs.
    static func goldenImage(_ name: String) throws -> RGBImage {
        try PNGDecoder.decode(contentsOf: Fixtures.url("golden/images/\(name)"))
    }

    /// PNG bytes a figure or chart was encoded to, decoded back to RGB.
    static func decodePNG(_ bytes: [UInt8]) throws -> RGBImage {
        try PNGDecoder.decode(data: Data(bytes), name: "encoded PNG")
    }

    /// How many pixels of `image` have exactly `color`.
    static func count(_ color: RGBColor, in image: RGBImage) -> Int {
        let c = color.bytes
        var n = 0
        for i in stride(from: 0, to: image.rgb.count, by: 3)
        where image.rgb[i] == c.r && image.rgb[i + 1] == c.g && image.rgb[i + 2] == c.b {
            n += 1
        }
        return n
    }

    /// A fresh empty folder under the system temp directory.
    static func temporaryFolder(_ name: String = #function) throws -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("HeatmapTests-\(safe)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// When FIDVIZ_SAMPLES_DIR is set, writes `bytes` there for a human to look at.
    static func keepSample(_ bytes: [UInt8], named name: String) {
        guard let dir = ProcessInfo.processInfo.environment["FIDVIZ_SAMPLES_DIR"] else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? Data(bytes).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
    }

    /// When FIDVIZ_SAMPLES_DIR is set, copies `folder` there as `name` (replacing it).
    static func keepFolder(_ folder: URL, named name: String) {
        guard let dir = ProcessInfo.processInfo.environment["FIDVIZ_SAMPLES_DIR"] else { return }
        let target = URL(fileURLWithPath: dir).appendingPathComponent(name)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        try? FileManager.default.copyItem(at: folder, to: target)
    }

    /// `sensitivity_mixed_7c` [8, 8] of astronaut.png from golden/astronaut.explain.npz (seed-0
    /// stand-in weights), copied here so these tests need no .npz reader.
    static let astronautSensitivity7c = SpatialMap(rows: [
        [3.34655e-09, 4.57124e-09, 5.00378e-09, 5.14503e-09, 5.0916e-09, 4.77772e-09, 4.3719e-09, 3.48196e-09],
        [4.16826e-09, 5.55235e-09, 6.20239e-09, 6.46629e-09, 6.3938e-09, 6.00929e-09, 5.56594e-09, 4.38899e-09],
        [4.69472e-09, 6.36437e-09, 6.89981e-09, 7.2274e-09, 7.10125e-09, 6.63282e-09, 6.26536e-09, 4.91657e-09],
        [5.06103e-09, 6.73372e-09, 7.31406e-09, 7.68024e-09, 7.66955e-09, 7.21029e-09, 6.6475e-09, 5.37108e-09],
        [5.05127e-09, 6.79143e-09, 7.42774e-09, 7.81427e-09, 7.8061e-09, 7.40456e-09, 6.84607e-09, 5.49015e-09],
        [4.95542e-09, 6.59917e-09, 7.21685e-09, 7.60102e-09, 7.64359e-09, 7.46513e-09, 6.72537e-09, 5.34408e-09],
        [4.7473e-09, 6.22378e-09, 6.8489e-09, 7.21014e-09, 7.36552e-09, 7.06998e-09, 6.52468e-09, 5.27335e-09],
        [3.64437e-09, 4.68569e-09, 5.14145e-09, 5.45518e-09, 5.70042e-09, 5.6504e-09, 5.15598e-09, 4.29451e-09],
    ])

    /// `gradcam_top1_mixed_7c` [8, 8] of astronaut.png, same source.
    static let astronautGradCAM7c = SpatialMap(rows: [
        [0.0392143, 0.0638335, 0.0784415, 0.0803107, 0.0838125, 0.0898799, 0.0768173, 0.0594335],
        [0.075158, 0.108587, 0.124118, 0.125174, 0.124709, 0.126327, 0.11145, 0.0803729],
        [0.0961351, 0.123184, 0.143133, 0.151928, 0.149376, 0.137582, 0.127782, 0.0866275],
        [0.105356, 0.134715, 0.15527, 0.163626, 0.15563, 0.146727, 0.130721, 0.0921742],
        [0.109012, 0.150173, 0.165, 0.173555, 0.170523, 0.151242, 0.142904, 0.0983255],
        [0.103618, 0.150763, 0.165898, 0.168798, 0.166582, 0.163815, 0.151858, 0.113489],
        [0.122898, 0.158142, 0.172555, 0.17448, 0.168394, 0.173672, 0.151203, 0.103232],
        [0.116242, 0.151589, 0.148544, 0.160379, 0.16391, 0.157023, 0.134693, 0.0929798],
    ])

    /// A `size` x `size` map with one Gaussian blob centred at (`cx`, `cy`) in map pixels.
    static func blob(size: Int, cx: Double, cy: Double, sigma: Double) -> SpatialMap {
        var values: [Float] = []
        for y in 0..<size {
            for x in 0..<size {
                let d2 = (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)
                values.append(Float(exp(-d2 / (2 * sigma * sigma))))
            }
        }
        return SpatialMap(width: size, height: size, values: values)
    }

    /// The pixels of `image` inside `rect`.
    static func crop(_ image: RGBImage, _ rect: PixelRect) -> RGBImage {
        var rgb: [UInt8] = []
        rgb.reserveCapacity(rect.width * rect.height * 3)
        for y in rect.y..<(rect.y + rect.height) {
            let start = (y * image.width + rect.x) * 3
            rgb += image.rgb[start..<(start + rect.width * 3)]
        }
        return RGBImage(width: rect.width, height: rect.height, rgb: rgb)
    }

    /// Mean absolute difference per byte between two same-sized crops of images.
    static func meanAbsoluteDifference(_ a: RGBImage, _ ra: PixelRect, _ b: RGBImage, _ rb: PixelRect) -> Double {
        precondition(ra.width == rb.width && ra.height == rb.height, "crops differ in size")
        var total = 0
        for y in 0..<ra.height {
            for x in 0..<ra.width {
                let p = a.pixel(x: ra.x + x, y: ra.y + y)
                let q = b.pixel(x: rb.x + x, y: rb.y + y)
                total += abs(Int(p.r) - Int(q.r)) + abs(Int(p.g) - Int(q.g)) + abs(Int(p.b) - Int(q.b))
            }
        }
        return Double(total) / Double(3 * ra.width * ra.height)
    }
}
