import Autograd
import DINOv2
import Dispatch
import Foundation
import Frechet
import Pixels
import SeededRandom
import Sensitivity
import _SeededWeights

// MARK: - The cost of one explained DINOv2 image against its forward pass

/// `fidviz-bench --dinov2-explain [--size vitl14] [--images 5] [--depth D] [--folder DIR]`: per
/// image, with single-threaded BLAS (as explain runs one image per core):
/// - forward: `DINOv2.callAsFunction` on the image alone, no tape;
/// - map: `DINOv2Explainer.explain` (forward, FD_DINOv2's gradient, backward from the features
///   to the last block's `norm1`, the sensitivity map);
/// - map + pixels: the same with `pixelGradient`, the backward running down to the pixels.
/// dFD/d(features) comes from `FIDContribution` on synthetic statistics of the network's width
/// (its O(d^3) set-up is done once, before the timings). Prints the median of each per image,
/// wall and CPU, and the ratios to the forward pass (target: at most 3x).
enum DINOv2ExplainBenchmark {
    struct Options {
        var size = DINOv2Size.vitl14
        var depth: Int?
        var images = 5
        var folder: URL?
    }

    static func options(from arguments: [String]) throws -> Options {
        let forward = try DINOv2ForwardBenchmark.options(from: arguments)
        return Options(size: forward.size, depth: forward.depth, images: argument("--images", default: 5),
                       folder: forward.folder)
    }

    static func run(_ options: Options) throws {
        let architecture = DINOv2Architecture(size: options.size, depth: options.depth ?? options.size.officialDepth)
        var listing = DINOv2ForwardBenchmark.Options()
        listing.images = options.images
        listing.folder = options.folder
        let files = try DINOv2ForwardBenchmark.imageFiles(listing)
        print("fidviz-bench --dinov2-explain: \(options.size.displayName) (\(architecture.depth) blocks), "
              + "\(files.count) images, 1 BLAS thread, OpenBLAS \(ComputeRuntime.coreName), "
              + "load \(ExplainCostBenchmark.loadAverage())")
        var clock = FrechetBenchmark.Stopwatch()
        let model = DINOv2(weights: SeededDINOv2Weights.weights(architecture, seed: 0))
        let explainer = DINOv2Explainer(model: model)
        print("seeded weights: \(clock.lap())")
        let d = architecture.width
        var generator = SplitMix64(seed: 11)
        let reference = try FrechetBenchmark.syntheticStatistics(dimension: d, generator: &generator, shift: 0)
        let generated = try FrechetBenchmark.syntheticStatistics(dimension: d, generator: &generator, shift: 0.1)
        let contribution = try FIDContribution(reference: reference, generated: generated, n: 50_000)
        print("FIDContribution at d = \(d) (once per run): \(clock.lap())")
        let images = try files.map { DINOv2Preprocessing.pixels01(of: try ImageDecoder.decode(contentsOf: $0)) }

        var forward = Timings(), map = Timings(), pixels = Timings()
        ComputeRuntime.withThreads(1) {
            // Warm-up: first-touch allocations and OpenBLAS's buffers.
            _ = explainer.explain(pixels01: images[0], pixelGradient: true) { contribution.evaluate(feature: $0) }
            for image in images {
                forward.add { _ = model(image) }
                map.add { _ = explainer.explain(pixels01: image) { contribution.evaluate(feature: $0) } }
                pixels.add {
                    _ = explainer.explain(pixels01: image, pixelGradient: true) { contribution.evaluate(feature: $0) }
                }
            }
        }
        forward.report("forward (one image, no tape)")
        map.report("explain to the map at \(architecture.lastNorm1Layer)")
        pixels.report("explain to the map and the pixels")
        print(String(format: "ratio explain (map) / forward: %.2fx wall, %.2fx CPU (target <= 3x)",
                     map.wall / forward.wall, map.cpu / forward.cpu))
        print(String(format: "ratio explain (map + pixels) / forward: %.2fx wall, %.2fx CPU (target <= 3x)",
                     pixels.wall / forward.wall, pixels.cpu / forward.cpu))
        print(String(format: "peak memory: %.2f GiB; load after: %@", Double(peakResidentBytes()) / Double(1 << 30),
                     ExplainCostBenchmark.loadAverage()))
    }

    /// Wall and CPU seconds of each run of one step; the medians.
    struct Timings {
        var walls: [Double] = [], cpus: [Double] = []

        mutating func add(_ body: () -> Void) {
            let stopwatch = FrechetBenchmark.Stopwatch()
            body()
            let (wall, cpu) = stopwatch.elapsed()
            walls.append(wall)
            cpus.append(cpu)
        }

        var wall: Double { Self.median(walls) }
        var cpu: Double { Self.median(cpus) }

        static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

        func report(_ name: String) {
            print(String(format: "%@: median %.3f s per image [CPU %.3f s]; all: %@ s", name, wall, cpu,
                         walls.map { String(format: "%.3f", $0) }.joined(separator: " ")))
        }
    }
}
