import Autograd
import Dispatch
import Foundation
import InceptionGraph

/// Direct (im2col + GEMM) against Winograd convolution for each stride-1 convolution of the FID
/// Inception-v3, at the input size it meets in a 299×299 pass.
///
/// For every such layer it times the forward convolution of `--images` images per call, one BLAS
/// thread per worker and `--workers` workers at once (as `forwardInParallel` runs a batch), with the
/// GEMM route and with each candidate output tile, and measures each tile's largest error relative
/// to the GEMM route on the same random input. It prints one row per layer, then the table of
/// tiles that were faster and within 5e-6, half the 1e-5 the tests allow (`InceptionArchitecture.winogradTiles`
/// is this table),
/// and the layers' summed time both ways. With `--backward` it times forward and backward to the input.
///
/// `--only PREFIX` keeps the layers whose names start with PREFIX (for profiling one of them).
///
///   fidviz-bench --winograd [--images 8] [--workers 2] [--repeats 3] [--backward] [--margin 1.05] [--only PREFIX]
enum WinogradBenchmark {
    /// The output tiles tried for a kernel shape.
    static func candidates(kernelH: Int, kernelW: Int) -> [(h: Int, w: Int)] {
        switch (kernelH, kernelW) {
        case (1, _): return [(1, 2), (1, 3), (1, 4), (1, 6)].filter { $0.w + kernelW - 1 <= 10 }
        case (_, 1): return [(2, 1), (3, 1), (4, 1), (6, 1)].filter { $0.h + kernelH - 1 <= 10 }
        default: return [(2, 2), (3, 3), (4, 4)]
        }
    }

    /// Height and width of the input each convolution meets in a 299×299 pass.
    static func inputSize(_ name: String) -> Int {
        let sizes: [(prefix: String, size: Int)] = [
            ("Conv2d_1a", 299), ("Conv2d_2a", 149), ("Conv2d_2b", 147), ("Conv2d_3b", 73), ("Conv2d_4a", 73),
            ("Mixed_5", 35), ("Mixed_6a", 35), ("Mixed_6", 17), ("Mixed_7a", 17), ("Mixed_7", 8),
        ]
        return sizes.first { name.hasPrefix($0.prefix) }!.size
    }

    struct Timing {
        let tile: (h: Int, w: Int)
        let seconds: Double
        let error: Double
    }

    static func run(_ arguments: [String]) throws {
        let images = argument("--images", default: 8)
        let workers = argument("--workers", default: ProcessInfo.processInfo.activeProcessorCount)
        let repeats = argument("--repeats", default: 3)
        let backward = arguments.contains("--backward")
        var margin = 1.05
        if let i = arguments.firstIndex(of: "--margin"), i + 1 < arguments.count {
            guard let value = Double(arguments[i + 1]), value > 0 else { throw BenchError("--margin \(arguments[i + 1]): expected a positive number") }
            margin = value
        }
        guard images > 0, workers > 0, repeats > 0 else { throw BenchError("--images, --workers and --repeats must be positive") }
        print("winograd: \(images) image(s) per call, \(workers) worker(s) with 1 BLAS thread each, OpenBLAS \(ComputeRuntime.coreName), "
              + "best of \(repeats), \(backward ? "forward + backward to the input" : "forward")")
        print("layer  in->out  kernel  input  direct ms/image  | tile: ms/image speed-up error ... | chosen")
        var chosen: [(name: String, tile: (h: Int, w: Int))] = []
        var directTotal = 0.0, chosenTotal = 0.0
        var measured: [String: (direct: Double, timings: [Timing])] = [:]
        let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        let layers = InceptionArchitecture.convs.filter {
            $0.geometry.strideH == 1 && $0.geometry.strideW == 1 && $0.kernelH * $0.kernelW > 1
                && only.map($0.name.hasPrefix) ?? true
        }
        ComputeRuntime.withThreads(1) {
            for spec in layers {
                let size = inputSize(spec.name)
                // Layers of one shape share a measurement (Mixed_6c and Mixed_6d, say).
                let key = "\(spec.inChannels) \(spec.outChannels) \(spec.kernelH) \(spec.kernelW) \(spec.geometry) \(size)"
                if measured[key] == nil { measured[key] = measure(spec, size: size, images: images, workers: workers,
                                                                   repeats: repeats, backward: backward) }
                let (direct, timings) = measured[key]!
                let accurate = timings.filter { $0.error <= 5e-6 }
                let best = accurate.min { $0.seconds < $1.seconds }
                let winner = best.flatMap { direct / $0.seconds >= margin ? $0 : nil }
                directTotal += direct
                chosenTotal += winner?.seconds ?? direct
                if let winner { chosen.append((spec.name, winner.tile)) }
                let cells = timings.map {
                    String(format: "%dx%d: %.2f %.2fx %.1e", $0.tile.h, $0.tile.w, $0.seconds * 1e3 / Double(images),
                           direct / $0.seconds, $0.error)
                }
                print(String(format: "%@  %d->%d  %dx%d  %d  %.2f  | %@ | %@", spec.name, spec.inChannels, spec.outChannels,
                             spec.kernelH, spec.kernelW, size, direct * 1e3 / Double(images),
                             cells.joined(separator: "  "), winner.map { "\($0.tile.h)x\($0.tile.w)" } ?? "direct"))
            }
        }
        print(String(format: "these layers, ms/image on one worker: direct %.1f, chosen %.1f (%.2fx)",
                      directTotal * 1e3 / Double(images), chosenTotal * 1e3 / Double(images), directTotal / chosenTotal))
        print("table (InceptionArchitecture.winogradTiles):")
        for (name, tile) in chosen { print("    \"\(name)\": (\(tile.h), \(tile.w)),") }
    }

    /// The best time of one call on `images` images with each route, and each tile's error.
    static func measure(_ spec: ConvSpec, size: Int, images: Int, workers: Int, repeats: Int,
                        backward: Bool) -> (direct: Double, timings: [Timing]) {
        var random = UInt64(0x9E37_79B9_7F4A_7C15)
        func next() -> Float {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(random >> 40) / Float(1 << 24)
        }
        let scale = 1 / Float(spec.inChannels * spec.kernelH * spec.kernelW).squareRoot()
        let weights = Conv2dWeights(outChannels: spec.outChannels, inChannels: spec.inChannels,
                                    kernelH: spec.kernelH, kernelW: spec.kernelW,
                                    weight: (0 ..< spec.outChannels * spec.inChannels * spec.kernelH * spec.kernelW).map { _ in
                                        (next() - 0.5) * 2 * scale
                                    },
                                    bias: (0 ..< spec.outChannels).map { _ in next() - 0.5 })
        let input = Tensor(shape: [images, spec.inChannels, size, size],
                           data: (0 ..< images * spec.inChannels * size * size).map { _ in next() })
        func time(_ w: Conv2dWeights) -> Double {
            func round() {
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    if backward {
                        let tape = Tape()
                        let x = tape.watch(input)
                        let y = x.conv2d(w, spec.geometry)
                        tape.backward(from: y, seed: y.data)
                    } else {
                        _ = input.conv2d(w, spec.geometry)
                    }
                }
            }
            round()
            var best = Double.infinity
            for _ in 0 ..< repeats { best = min(best, seconds(round)) }
            return best
        }
        let reference = input.item(0).conv2d(weights, spec.geometry).data
        let direct = time(weights)
        let timings = candidates(kernelH: spec.kernelH, kernelW: spec.kernelW).map { tile -> Timing in
            let w = weights.winograd(tile: tile)
            let out = input.item(0).conv2d(w, spec.geometry).data
            var worst: Float = 0, largest: Float = 0
            for (a, b) in zip(out, reference) { worst = max(worst, abs(a - b)); largest = max(largest, abs(b)) }
            return Timing(tile: tile, seconds: time(w), error: Double(worst / largest))
        }
        return (direct, timings)
    }
}
