import SeededRandom
import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Pixels

/// Writes `count` PNG test images into `folder`: crops of the photos in samples/reference at varied
/// positions and sizes (150 to 400 pixels a side), deterministic. For timing whole runs.
func makeImages(count: Int, folder: URL, samples: URL) throws {
    guard FileManager.default.fileExists(atPath: samples.path) else {
        throw BenchError("\(samples.path) not found: run fidviz-bench from the repository's top folder")
    }
    let photos = try FileManager.default.contentsOfDirectory(atPath: samples.path)
        .filter { $0.hasSuffix(".png") }.sorted()
        .map { try PNGDecoder.decode(contentsOf: samples.appendingPathComponent($0)) }
    guard !photos.isEmpty else { throw BenchError("no PNGs in \(samples.path)") }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var generator = SplitMix64(seed: 2015)
    func next(_ bound: Int) -> Int { Int(generator.next(upperBound: UInt64(max(bound, 1)))) }
    for index in 0 ..< count {
        let photo = photos[index % photos.count]
        let width = min(photo.width, 150 + next(251)), height = min(photo.height, 150 + next(251))
        let x0 = next(photo.width - width + 1), y0 = next(photo.height - height + 1)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0 ..< height {
            for x in 0 ..< width * 3 { rgb[y * width * 3 + x] = photo.rgb[((y0 + y) * photo.width + x0) * 3 + x] }
        }
        let png = try PNGCodec.encode(RGBImage(width: width, height: height, rgb: rgb))
        try Data(png).write(to: folder.appendingPathComponent(String(format: "image-%04d.png", index)))
    }
}

/// A benchmark that cannot run as asked, in one line.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
