import Autograd
import DINOv2
import Dispatch
import Foundation
import Pixels
import TestCheckpoints
import TorchCheckpoint
import _SeededWeights

// MARK: - DINOv2 forward throughput, for the side-by-side run against PyTorch

/// `fidviz-bench --dinov2-forward [--size vitl14] [--images 32] [--batch 8] [--depth D] [--workers W]
/// [--images-per-pass 4] [--folder DIR] [--weights FILE.pth]`: DINOv2 features of real image files,
/// as `fidviz stats` computes them, with seeded stand-in weights (their values do not change the
/// speed), generated or read from a `.pth` through `DINOv2Weights(contentsOf:)` (written by
/// `--write-dinov2-pth`), which shows the loader's memory. Per batch: decode, dgm-eval's
/// preprocessing (`DINOv2Preprocessing`), then `DINOv2.forwardInParallel`. Prints the same lines as
/// scripts/bench-dinov2-torch.py, which runs the hub code on the same files:
/// `steady s/image` (batches after the first) and `all s/image` (every batch), neither
/// counting weight generation.
enum DINOv2ForwardBenchmark {
    struct Options {
        var size = DINOv2Size.vitl14
        var depth: Int?
        var images = 32
        var batch = 8
        var workers = ProcessInfo.processInfo.activeProcessorCount
        var imagesPerPass = DINOv2.imagesPerPass
        var folder: URL?
        var weights: URL?
    }

    static func options(from arguments: [String]) throws -> Options {
        var options = Options()
        if let i = arguments.firstIndex(of: "--size"), i + 1 < arguments.count {
            guard let size = DINOv2Size(rawValue: arguments[i + 1]) else {
                throw BenchError("--size \(arguments[i + 1]): expected vits14, vitb14 or vitl14")
            }
            options.size = size
        }
        if arguments.contains("--depth") { options.depth = argument("--depth", default: 1) }
        options.images = argument("--images", default: options.images)
        options.batch = argument("--batch", default: options.batch)
        options.workers = argument("--workers", default: options.workers)
        options.imagesPerPass = argument("--images-per-pass", default: options.imagesPerPass)
        if let i = arguments.firstIndex(of: "--folder"), i + 1 < arguments.count {
            options.folder = URL(fileURLWithPath: arguments[i + 1])
        }
        if let i = arguments.firstIndex(of: "--weights"), i + 1 < arguments.count {
            options.weights = URL(fileURLWithPath: arguments[i + 1])
        }
        guard options.images > 0, options.batch > 0, options.workers > 0, options.imagesPerPass > 0 else {
            throw BenchError("--images, --batch, --workers and --images-per-pass must be positive")
        }
        return options
    }

    static func run(_ options: Options) throws {
        let architecture = DINOv2Architecture(size: options.size, depth: options.depth ?? options.size.officialDepth)
        let files = try imageFiles(options)
        print("fidviz-bench --dinov2-forward: \(options.size.displayName) (\(architecture.depth) blocks), "
              + "\(files.count) images, batch \(options.batch), \(options.workers) workers, "
              + "\(options.imagesPerPass) images per pass, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS \(ComputeRuntime.coreName), "
              + "load \(ExplainCostBenchmark.loadAverage())")
        var model: DINOv2!
        if let file = options.weights {
            var weights: DINOv2Weights?
            var failure: Error?
            let loading = seconds {
                do { weights = try DINOv2Weights(contentsOf: file) } catch { failure = error }
            }
            if let failure { throw failure }
            model = DINOv2(weights: weights!)
            print(String(format: "weights %@ (%@, %d blocks) loaded in %.2f s (not counted below); peak memory so far %.2f GiB",
                         file.path, model.architecture.size.displayName, model.architecture.depth, loading,
                         Double(peakResidentBytes()) / Double(1 << 30)))
        } else {
            let generation = seconds { model = DINOv2(weights: SeededDINOv2Weights.weights(architecture, seed: 0)) }
            print(String(format: "seeded weights generated in %.2f s (not counted below)", generation))
        }

        var batchSeconds: [(images: Int, seconds: Double)] = []
        var features = 0
        for start in stride(from: 0, to: files.count, by: options.batch) {
            let part = files[start ..< min(start + options.batch, files.count)]
            let t0 = DispatchTime.now().uptimeNanoseconds
            let pixels = try part.map { DINOv2Preprocessing.pixels01(of: try ImageDecoder.decode(contentsOf: $0)) }
            let t1 = DispatchTime.now().uptimeNanoseconds
            let out = model.forwardInParallel(Tensor.stack(pixels), workers: options.workers,
                                              imagesPerPass: options.imagesPerPass)
            let t2 = DispatchTime.now().uptimeNanoseconds
            features = out.shape[1]
            let total = Double(t2 - t0) / 1e9
            batchSeconds.append((part.count, total))
            print(String(format: "batch %d: %d images, decode+preprocess %.2f s, forward %.2f s (%.3f s/image)",
                         start / options.batch, part.count, Double(t1 - t0) / 1e9, Double(t2 - t1) / 1e9,
                         total / Double(part.count)))
        }
        let steady = batchSeconds.count > 1 ? Array(batchSeconds.dropFirst()) : batchSeconds
        func perImage(_ list: [(images: Int, seconds: Double)]) -> Double {
            list.map(\.seconds).reduce(0, +) / Double(list.map(\.images).reduce(0, +))
        }
        print("features: [\(files.count), \(features)]")
        print(String(format: "steady s/image: %.4f", perImage(steady)))
        print(String(format: "all s/image: %.4f", perImage(batchSeconds)))
        print(String(format: "peak memory: %.2f GiB; load after: %@", Double(peakResidentBytes()) / Double(1 << 30),
                     ExplainCostBenchmark.loadAverage()))
    }

    /// The first `options.images` image files of `--folder` (sorted by name), or of
    /// samples/reference, cycled when there are fewer.
    static func imageFiles(_ options: Options) throws -> [URL] {
        let folder = options.folder ?? URL(fileURLWithPath: "samples/reference")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { name in [".png", ".jpg", ".jpeg", ".webp"].contains { name.lowercased().hasSuffix($0) } }.sorted()
        guard !names.isEmpty else { throw BenchError("no images in \(folder.path)") }
        if options.folder != nil, names.count < options.images {
            throw BenchError("\(folder.path) has \(names.count) images, --images \(options.images) asked for")
        }
        return (0 ..< options.images).map { folder.appendingPathComponent(names[$0 % names.count]) }
    }

    /// `fidviz-bench --write-dinov2-pth FILE [--size vitl14] [--depth D]`: the seeded stand-in
    /// weights (seed 0) as a zip `.pth` laid out as torch.save writes a state dict
    /// (`SeededCheckpointWriter`), for `--dinov2-forward --weights` and `fidviz --weights`.
    static func writeCheckpoint(_ arguments: [String]) throws {
        guard let i = arguments.firstIndex(of: "--write-dinov2-pth"), i + 1 < arguments.count else {
            throw BenchError("--write-dinov2-pth needs a file name")
        }
        let options = try Self.options(from: arguments)
        let architecture = DINOv2Architecture(size: options.size, depth: options.depth ?? options.size.officialDepth)
        let url = URL(fileURLWithPath: arguments[i + 1])
        let parameters = SeededDINOv2Weights.parameters(architecture, seed: 0)
        try SeededCheckpointWriter.checkpoint(parameters: parameters, format: .zip).write(to: url, options: .atomic)
        print("wrote seeded \(options.size.displayName) weights (\(architecture.depth) blocks, seed 0) to \(url.path)")
    }
}
