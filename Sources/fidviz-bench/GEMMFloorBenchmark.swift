import Autograd
import CBLAS
import DINOv2
import Dispatch
import Foundation

/// The floor that matrix products put under a DINOv2 forward pass on this machine.
///
/// A ViT forward pass is almost all GEMM: per block the qkv projection (D→3D), the two attention
/// products per head, the output projection (D→D) and the MLP (D→4D→D) over 257 tokens, plus
/// the patch embedding. This mode counts those multiply-adds for one 224×224 image and times
/// OpenBLAS's sgemm on the same shapes, laid out as the engine runs them: `--images` images
/// stacked into one product's rows, one BLAS thread per worker, and `--workers` workers each
/// doing its own product at the same time (so memory bandwidth is shared as in a real run). It
/// prints each shape's rate and the seconds per image that the products alone take on the
/// whole machine: no float32 implementation doing these products through this sgemm is faster.
/// Each shape is timed with B as stored and transposed (a linear layer's weight is [out, in]),
/// and the faster counts.
///
///   fidviz-bench --gemm-floor [--size vitl14] [--images 4] [--workers 2] [--repeats 5]
enum GEMMFloorBenchmark {
    struct Shape {
        let name: String
        let m: Int, n: Int, k: Int
        /// Products of this shape per `images` images.
        let count: Int
    }

    /// The products of `images` images through a ViT/14 at 224×224 (256 patches, 257 tokens).
    static func shapes(_ architecture: DINOv2Architecture, images: Int) -> [Shape] {
        let d = architecture.width, depth = architecture.depth, heads = architecture.heads
        let tokens = 257, stacked = tokens * images, headWidth = d / heads
        return [
            Shape(name: "patch embedding", m: 256 * images, n: d, k: 3 * 14 * 14, count: 1),
            Shape(name: "qkv", m: stacked, n: 3 * d, k: d, count: depth),
            Shape(name: "q kT, per head", m: tokens, n: tokens, k: headWidth, count: depth * heads * images),
            Shape(name: "attention v, per head", m: tokens, n: headWidth, k: tokens, count: depth * heads * images),
            Shape(name: "projection", m: stacked, n: d, k: d, count: depth),
            Shape(name: "MLP fc1", m: stacked, n: 4 * d, k: d, count: depth),
            Shape(name: "MLP fc2", m: stacked, n: d, k: 4 * d, count: depth),
        ]
    }

    static func run(_ arguments: [String]) throws {
        var size = DINOv2Size.vitl14
        if let i = arguments.firstIndex(of: "--size"), i + 1 < arguments.count {
            guard let named = DINOv2Size(rawValue: arguments[i + 1]) else {
                throw BenchError("--size \(arguments[i + 1]): expected vits14, vitb14 or vitl14")
            }
            size = named
        }
        let images = argument("--images", default: DINOv2.imagesPerPass)
        let workers = argument("--workers", default: ProcessInfo.processInfo.activeProcessorCount)
        let repeats = argument("--repeats", default: 5)
        guard images > 0, workers > 0, repeats > 0 else {
            throw BenchError("--images, --workers and --repeats must be positive")
        }
        let architecture = DINOv2Architecture(size: size, depth: size.officialDepth)
        print("gemm-floor: \(size.rawValue), \(images) image(s) per product, \(workers) worker(s) with 1 BLAS thread each, "
              + "OpenBLAS \(ComputeRuntime.coreName), best of \(repeats)")
        var flops = 0.0, seconds = 0.0
        ComputeRuntime.withThreads(1) {
            for shape in shapes(architecture, images: images) {
                let best = min(bestTime(shape, transposeB: false, workers: workers, repeats: repeats),
                               bestTime(shape, transposeB: true, workers: workers, repeats: repeats))
                let shapeFlops = 2 * Double(shape.m) * Double(shape.n) * Double(shape.k)
                // Every worker did one product in `best` seconds; a pass over `images` images needs `count`.
                let perImage = best * Double(shape.count) / Double(images * workers)
                flops += shapeFlops * Double(shape.count) / Double(images)
                seconds += perImage
                print(String(format: "  %@ %d x %d x %d, %d per %d image(s): %.1f GFLOP/s per core, %.4f s/image",
                             shape.name, shape.m, shape.n, shape.k, shape.count, images, shapeFlops / best / 1e9, perImage))
            }
        }
        print(String(format: "GFLOP per image: %.1f", flops / 1e9))
        print(String(format: "sgemm over the pass: %.1f GFLOP/s on %d core(s)", flops / seconds / 1e9, workers))
        print(String(format: "products alone: %.3f s/image", seconds))
    }

    /// The best wall time of `workers` products of `shape` running at once, one per worker.
    static func bestTime(_ shape: Shape, transposeB: Bool, workers: Int, repeats: Int) -> Double {
        let a = [Float](repeating: 0.01, count: shape.m * shape.k)
        let b = [Float](repeating: 0.02, count: shape.k * shape.n)
        var outputs = [[Float]](repeating: [Float](repeating: 0, count: shape.m * shape.n), count: workers)
        func round() {
            outputs.withUnsafeMutableBufferPointer { outputs in
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    outputs[w].withUnsafeMutableBufferPointer { c in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                                    Int32(shape.m), Int32(shape.n), Int32(shape.k), 1, a, Int32(shape.k),
                                    b, Int32(transposeB ? shape.k : shape.n), 0, c.baseAddress, Int32(shape.n))
                    }
                }
            }
        }
        round()
        var best = Double.infinity
        for _ in 0 ..< repeats { best = min(best, fidviz_bench.seconds(round)) }
        return best
    }
}
