import SeededRandom
import Autograd
import Dispatch
import Foundation
import Frechet
import InceptionGraph
import Pixels
import _SeededWeights
import Sensitivity

// MARK: - The cost of one explained image, fidviz's route against the paper's

/// `fidviz-bench --explain-cost [--images 5] [--layer mixed_7c] [--skip-eigh] [--skip-paper]`:
/// per image, the forward pass and the backward passes to the maps (FID sensitivity and Grad-CAM,
/// float32), as `fidviz explain` runs them in phase 2, with dFID/df from one of:
/// - fidviz: `FIDContribution` (O(d^3) once, O(d^2) per image), single-threaded BLAS as in the CLI;
///   also with every core's BLAS, and one image per core at once, to show what the thread count
///   does to single-image GEMMs (and whether pool3 stays bit-identical);
/// - the paper's route and its symmetric variant (`EigAutogradRoute`), O(d^3) per image,
///   every core's BLAS.
/// The same images, model and statistics (synthetic, full rank, d = 2048, N = 50,000) in one run;
/// each line gives the median per image and how the time splits between network and FID.
enum ExplainCostBenchmark {
    struct Options {
        var images = 5
        var layers: [InceptionLayer] = [.mixed_7c]
        var skipSymmetric = false
        /// Only fidviz's route (for profiling it).
        var skipPaper = false
    }

    static func options(from arguments: [String]) -> Options {
        var options = Options()
        options.images = argument("--images", default: options.images)
        let layers = arguments.indices.filter { arguments[$0] == "--layer" && $0 + 1 < arguments.count }
            .compactMap { InceptionLayer(rawValue: arguments[$0 + 1]) }
        if !layers.isEmpty { options.layers = layers }
        options.skipSymmetric = arguments.contains("--skip-eigh")
        options.skipPaper = arguments.contains("--skip-paper")
        return options
    }

    /// One route's per-image times.
    struct Timings {
        var total: [Double] = []
        /// Process CPU time (all threads), which contention for the cores inflates less than wall time.
        var cpu: [Double] = []
        var fid: [Double] = []
        var gradients: [[Double]] = []
        var deltas: [Double] = []
        var pool3: [[Float]] = []

        var medianTotal: Double { median(total) }
        var medianFID: Double { median(fid) }

        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    }

    static func run(_ options: Options) throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("fidviz-bench --explain-cost: \(options.images) images, layers \(options.layers.map(\.rawValue)), "
              + "\(cores) cores, OpenBLAS \(ComputeRuntime.coreName), load \(loadAverage())")
        let model = InceptionV3(weights: SeededWeights.inceptionWeights(seed: 0))
        let explainer = Explainer(model: model)
        let images = try sampleImages(options.images)

        let d = InceptionArchitecture.featureCount, n = 50_000
        var generator = SplitMix64(seed: 7)
        let reference = try FrechetBenchmark.syntheticStatistics(dimension: d, generator: &generator, shift: 0)
        let generated = try FrechetBenchmark.syntheticStatistics(dimension: d, generator: &generator, shift: 0.1)
        var clock = FrechetBenchmark.Stopwatch()
        let fast = try FIDContribution(reference: reference, generated: generated, n: n)
        print("fidviz: FIDContribution precompute (once per run): \(clock.lap())")
        let general = try EigAutogradRoute(.generalEig, reference: reference, generated: generated, n: n)
        let symmetric = options.skipSymmetric
            ? nil : try EigAutogradRoute(.symmetricEigh, reference: reference, generated: generated, n: n)
        clock.restart()

        // Warm-up: first-touch allocations and OpenBLAS buffers.
        _ = ComputeRuntime.withThreads(1) {
            explainer.explain(pixels01: ImagePreprocessing.pixels01(of: images[0]), layers: options.layers) {
                fast.evaluate(feature: $0)
            }
        }

        func time(threads: Int?, _ evaluate: @escaping ([Double]) throws -> SampleContribution) throws -> Timings {
            var timings = Timings()
            for image in images {
                var fidSeconds = 0.0
                var result: SampleContribution?
                var pool3: [Float] = []
                let body = {
                    pool3 = try explainer.explain(pixels01: ImagePreprocessing.pixels01(of: image), layers: options.layers) {
                        feature in
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        defer { fidSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
                        result = try evaluate(feature)
                        return result!
                    }.pool3
                }
                let stopwatch = FrechetBenchmark.Stopwatch()
                if let threads { try ComputeRuntime.withThreads(threads, body) } else { try body() }
                let (total, cpu) = stopwatch.elapsed()
                timings.total.append(total)
                timings.cpu.append(cpu)
                timings.fid.append(fidSeconds)
                timings.gradients.append(result!.gradient)
                timings.deltas.append(result!.deltaFID)
                timings.pool3.append(pool3)
            }
            return timings
        }

        // Phase 2 as the CLI runs it: `cores` images at once, one BLAS thread each (as phase 1
        // runs its forward passes); the cost per image is the phase's wall time / images.
        func timeConcurrently() -> (perImage: Double, pool3: [[Float]]) {
            var pool3 = [[Float]](repeating: [], count: images.count)
            let lock = NSLock()
            let wall = seconds {
                ComputeRuntime.withThreads(1) {
                    DispatchQueue.concurrentPerform(iterations: cores) { worker in
                        for i in stride(from: worker, to: images.count, by: cores) {
                            let out = explainer.explain(pixels01: ImagePreprocessing.pixels01(of: images[i]),
                                                        layers: options.layers) { fast.evaluate(feature: $0) }
                            lock.lock()
                            pool3[i] = out.pool3
                            lock.unlock()
                        }
                    }
                }
            }
            return (wall / Double(images.count), pool3)
        }

        let fidviz = try time(threads: 1) { fast.evaluate(feature: $0) }
        report("fidviz (FIDContribution, 1 BLAS thread, as the CLI)", fidviz)
        let fidvizAllCores = try time(threads: cores) { fast.evaluate(feature: $0) }
        report("fidviz (FIDContribution, \(cores) BLAS threads)", fidvizAllCores)
        print("  pool3 bit-identical to 1 BLAS thread: \(fidvizAllCores.pool3 == fidviz.pool3 ? "yes" : "NO")")
        let concurrent = timeConcurrently()
        print(String(format: "fidviz (FIDContribution, %d images at once, 1 BLAS thread each): %.0f ms per image "
                     + "(wall / images)", cores, concurrent.perImage * 1000))
        print("  pool3 bit-identical to one at a time: \(concurrent.pool3 == fidviz.pool3 ? "yes" : "NO")")
        print(String(format: "fidviz per explained image, phase 2 as the CLI runs it: %.0f ms (target <= 300 ms); "
                     + "one image alone on one core: %.0f ms", concurrent.perImage * 1000, fidviz.medianTotal * 1000))
        if options.skipPaper { return }
        let paper = try time(threads: nil) { try general.evaluate(feature: $0) }
        report(general.decomposition.rawValue, paper)
        compare(paper, to: fidviz)
        var eigh: Timings?
        if let symmetric {
            eigh = try time(threads: nil) { try symmetric.evaluate(feature: $0) }
            report(symmetric.decomposition.rawValue, eigh!)
            compare(eigh!, to: fidviz)
        }

        print(String(format: "ratio paper route / fidviz: %.1fx (target >= 20x)", paper.medianTotal / fidviz.medianTotal))
        if let eigh {
            print(String(format: "ratio eigh route / fidviz: %.1fx", eigh.medianTotal / fidviz.medianTotal))
        }
        print("load after: \(loadAverage())")
    }

    static func report(_ name: String, _ timings: Timings) {
        print(String(format: "%@: median %.0f ms per image [CPU %.0f ms] (network %.0f ms, dFID/df %.1f ms); all: %@ ms",
                     name, timings.medianTotal * 1000, timings.median(timings.cpu) * 1000,
                     (timings.medianTotal - timings.medianFID) * 1000, timings.medianFID * 1000,
                     timings.total.map { String(format: "%.0f", $0 * 1000) }.joined(separator: " ")))
    }

    /// The largest gradient difference relative to max |fidviz gradient|, and of ΔFID.
    static func compare(_ route: Timings, to fidviz: Timings) {
        var gradient = 0.0, delta = 0.0
        for (a, b) in zip(route.gradients, fidviz.gradients) {
            let scale = b.map(abs).max()!
            gradient = max(gradient, zip(a, b).map { abs($0 - $1) }.max()! / scale)
        }
        for (a, b) in zip(route.deltas, fidviz.deltas) { delta = max(delta, abs(a - b) / abs(b)) }
        print(String(format: "  agrees with fidviz: gradient to %.1e (max |diff| / max |g|), ΔFID to %.1e relative",
                     gradient, delta))
    }

    /// The first `count` PNGs of samples/reference (sorted; cycled when fewer), decoded.
    static func sampleImages(_ count: Int) throws -> [RGBImage] {
        let folder = URL(fileURLWithPath: "samples/reference")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".png") }.sorted()
        precondition(!names.isEmpty, "no PNGs in \(folder.path); run from the package root")
        return try (0 ..< count).map { try PNGDecoder.decode(contentsOf: folder.appendingPathComponent(names[$0 % names.count])) }
    }

    /// "0.52 0.61 0.80" (1, 5 and 15 minutes), from /proc/loadavg.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
