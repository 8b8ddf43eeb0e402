import Autograd
import Dispatch
import Foundation
import Frechet
import InceptionGraph
import _SeededWeights

// fidviz-bench: speed and memory of the FID Inception-v3 on the Autograd engine.
// Weights are the seeded stand-ins (speed does not depend on their values).
//
//   swift run -c release fidviz-bench [--batch 16] [--repeats 3] [--skip-network] [--skip-frechet] [--skip-backward] [--direct]
//       (--direct: every convolution as im2col + GEMM, no Winograd)
//   swift run -c release fidviz-bench --interleave-direct [--repeats 3] [--batch 16]
//       (batches with the Winograd table and without it, alternately: median speed-up per pair)
//   swift run -c release fidviz-bench --interleave-tiles SPEC [--repeats 3] [--batch 16]
//       (the same against the table changed by SPEC: comma-separated PREFIX=M gives every
//       convolution named PREFIX... tiles of M along its axes of more than one tap, PREFIX=0
//       puts it on GEMM; a speed-up below 1 means SPEC's table is faster)
//   swift run -c release fidviz-bench --winograd [--images 8] [--workers 2] [--repeats 3] [--backward] [--margin 1.05]
//       (each stride-1 Inception convolution timed as GEMM and as Winograd per tile; the table of tiles)
//   swift run -c release fidviz-bench --nullspace [--n 50000] [--d 2048] [--classes 20] [--seed 1]
//       [--tolerance 1e-9] [--max-iterations 200] [--precision float32|float64] [--check-precision]
//       [--start top1|uniform]
//       [--ref-n 3000] [--noisy 0.2] [--noisy-scale 4] [--spectrum exp|power]
//       [--export features.npz] [--export-features DIR] [--export-only]
//       [--save-weights weights.npz] [--evaluate-weights other.npz]
//       (minimum FID over image weights; the files are shared with scripts/bench-nullspace-scipy.py)
//   swift run -c release fidviz-bench --class-section GEN.npz --ref REF.npz [--max-iterations 20]
//       (every number of `fidviz classes` / the explain report's class section, timed, no network)
//   swift run -c release fidviz-bench --explain-cost [--images 5] [--layer mixed_7c] [--skip-eigh] [--skip-paper]
//       (one explained image: fidviz's route against the paper's eig-autograd, side by side)
//   swift run -c release fidviz-bench --dinov2-forward [--size vitl14] [--images 32] [--batch 8] [--folder DIR]
//       [--workers 2] [--images-per-pass 4] [--depth D] [--weights FILE.pth]
//       (DINOv2 features of image files; scripts/bench-dinov2 runs PyTorch beside it)
//   swift run -c release fidviz-bench --dinov2-explain [--size vitl14] [--images 5] [--folder DIR] [--depth D]
//       (one explained DINOv2 image, to the map and to the pixels, against its forward pass)
//   swift run -c release fidviz-bench --write-dinov2-pth FILE [--size vitl14] [--depth D]
//       (the seeded DINOv2 weights as a torch.save zip, for --dinov2-forward --weights)
//   swift run -c release fidviz-bench --gemm-floor [--size vitl14] [--images 4] [--workers 2] [--repeats 5]
//       (the seconds per image that a DINOv2 pass's matrix products alone take through OpenBLAS)
//   swift run -c release fidviz-bench --tile-features IN.npz --count 50000 --links DIR -o OUT.npz
//   swift run -c release fidviz-bench --make-images DIR [--count 100]
//   swift run -c release fidviz-bench --compare-features DIR [--sets 4] [--n 10000] [--reference 10000] [--d 2048]
//       (features files for scripts/bench-compare)

func argument(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return value }
    return v
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Peak resident set size of this process so far, in bytes (VmHWM from /proc/self/status).
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

/// Runs one mode, turning a thrown error into one line on stderr and exit status 1.
func runMode(_ body: () throws -> Void) -> Never {
    do {
        try body()
        exit(0)
    } catch {
        fail(error)
    }
}

/// `error` as one line on stderr, then exit status 1.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("fidviz-bench: \(error)\n".utf8))
    exit(1)
}

if let i = CommandLine.arguments.firstIndex(of: "--make-images"), i + 1 < CommandLine.arguments.count {
    // fidviz-bench --make-images DIR [--count 100]: test images for timing whole runs.
    let folder = URL(fileURLWithPath: CommandLine.arguments[i + 1])
    let count = argument("--count", default: 100)
    runMode {
        try makeImages(count: count, folder: folder, samples: URL(fileURLWithPath: "samples/reference"))
        print("wrote \(count) images to \(folder.path)")
    }
}

/// The modes that run on their own, by flag.
let modes: [(flag: String, run: () throws -> Void)] = [
    ("--explain-cost", { try ExplainCostBenchmark.run(ExplainCostBenchmark.options(from: CommandLine.arguments)) }),
    ("--write-dinov2-pth", { try DINOv2ForwardBenchmark.writeCheckpoint(CommandLine.arguments) }),
    ("--dinov2-forward", { try DINOv2ForwardBenchmark.run(DINOv2ForwardBenchmark.options(from: CommandLine.arguments)) }),
    ("--dinov2-explain", { try DINOv2ExplainBenchmark.run(DINOv2ExplainBenchmark.options(from: CommandLine.arguments)) }),
    ("--gemm-floor", { try GEMMFloorBenchmark.run(CommandLine.arguments) }),
    ("--tile-features", { try TileFeatures.run(CommandLine.arguments) }),
    ("--nullspace", { try NullSpaceBenchmark.run(NullSpaceBenchmark.options(from: CommandLine.arguments)) }),
    ("--class-section", { try ClassSectionBenchmark.run(CommandLine.arguments) }),
    ("--compare-features", { try CompareFeatures.run(CommandLine.arguments) }),
    ("--winograd", { try WinogradBenchmark.run(CommandLine.arguments) }),
]
for mode in modes where CommandLine.arguments.contains(mode.flag) { runMode(mode.run) }

let skipNetwork = CommandLine.arguments.contains("--skip-network")
let skipFrechet = CommandLine.arguments.contains("--skip-frechet")
let batch = argument("--batch", default: 16)
let repeats = argument("--repeats", default: 3)
if !skipNetwork {
print("fidviz-bench: FID Inception-v3 on Autograd (\(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS core \(ComputeRuntime.coreName))")
var model: InceptionV3!
let direct = CommandLine.arguments.contains("--direct")
// --interleave-tiles SPEC, checked before the weights are built.
let interleaveTiles: (spec: String, table: [String: (h: Int, w: Int)])? = CommandLine.arguments
    .firstIndex(of: "--interleave-tiles").map { i in
        do {
            guard i + 1 < CommandLine.arguments.count else { throw BenchError("--interleave-tiles needs a SPEC") }
            return (CommandLine.arguments[i + 1], try tiles(changing: CommandLine.arguments[i + 1]))
        } catch {
            fail(error)
        }
    }
let loadTime = seconds {
    let weights = SeededWeights.inceptionWeights(seed: 0)
    model = InceptionV3(weights: direct ? weights.withoutWinograd() : weights)
}
print(String(format: "seeded weights generated and folded in %.2f s", loadTime))
print(direct ? "convolutions: im2col + GEMM only (--direct)"
             : "convolutions: Winograd for \(InceptionArchitecture.winogradTiles.count) layers, im2col + GEMM for the rest")

let size = InceptionArchitecture.inputSize
// Smooth synthetic images (the network's cost does not depend on pixel values).
let images = Tensor(shape: [batch, 3, size, size], data: (0 ..< batch * 3 * size * size).map { i in
    0.5 + 0.5 * sin(Float(i % 9973) * 0.013 + Float(i / (size * size)))
})

_ = model(images.item(0))  // warm-up
if CommandLine.arguments.contains("--interleave-direct") || interleaveTiles != nil {
    // Winograd's table against im2col + GEMM only (or, with --interleave-tiles, against the
    // table changed by SPEC), batch by batch in one process: the two routes meet the same
    // machine load, so their ratio holds where absolute figures drift.
    let seeded = SeededWeights.inceptionWeights(seed: 0)
    let directModel = InceptionV3(weights: interleaveTiles.map { seeded.withWinograd($0.table) } ?? seeded.withoutWinograd())
    var withTable: [Double] = [], gemmOnly: [Double] = []
    for _ in 0 ..< repeats {
        withTable.append(seconds { _ = model.forwardInParallel(images) })
        gemmOnly.append(seconds { _ = directModel.forwardInParallel(images) })
    }
    let ratios = zip(withTable, gemmOnly).map { $1 / $0 }.sorted()
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    print(String(format: "interleaved, batch %d, %d pairs: Winograd table %.2f images/s, %@ %.2f images/s (medians); "
                 + "speed-up per pair: median %.3fx, range %.3f-%.3f", batch, repeats, Double(batch) / median(withTable),
                 interleaveTiles.map { "table changed by \($0.spec)" } ?? "GEMM only",
                 Double(batch) / median(gemmOnly), median(ratios), ratios.first!, ratios.last!))
    exit(0)
}
var best = Double.infinity
for _ in 0 ..< repeats { best = min(best, seconds { _ = model.forwardInParallel(images) }) }
print(String(format: "forward, batch %d at %dx%d: %.2f images/s (best of %d: %.3f s per batch)",
             batch, size, size, Double(batch) / best, repeats, best))
print(String(format: "peak memory so far: %.2f GiB", Double(peakResidentBytes()) / Double(1 << 30)))

if !CommandLine.arguments.contains("--skip-backward") {
var bestBackward = Double.infinity
for _ in 0 ..< repeats {
    bestBackward = min(bestBackward, seconds {
        let tape = Tape()
        let pixels = tape.watch(images.item(0))
        let out = model(pixels, capture: [.mixed_7c])
        tape.backward(from: out.pool3, seed: [Float](repeating: 1, count: out.pool3.count))
        precondition(pixels.grad != nil)
    })
}
print(String(format: "forward+backward to input pixels, batch 1: %.0f ms (best of %d)", bestBackward * 1000, repeats))
}
print(String(format: "peak memory: %.2f GiB", Double(peakResidentBytes()) / Double(1 << 30)))
}

if !skipFrechet {
    // The per-image FID gradient in closed form (the exact contribution), at d = 2048.
    print(try FrechetBenchmark.run(dimension: 2048, features: 20))
}

/// `InceptionArchitecture.winogradTiles` changed by SPEC (see --interleave-tiles).
func tiles(changing spec: String) throws -> [String: (h: Int, w: Int)] {
    var table = InceptionArchitecture.winogradTiles
    for entry in spec.split(separator: ",") {
        let parts = entry.split(separator: "=")
        guard parts.count == 2, let m = Int(parts[1]), m >= 0 else {
            throw BenchError("--interleave-tiles: '\(entry)' is not PREFIX=M")
        }
        let matching = InceptionArchitecture.convs.filter { $0.name.hasPrefix(parts[0]) && $0.kernelH * $0.kernelW > 1 }
        guard !matching.isEmpty else { throw BenchError("--interleave-tiles: no convolution is named \(parts[0])...") }
        for conv in matching {
            table[conv.name] = m == 0 ? nil : (conv.kernelH > 1 ? m : 1, conv.kernelW > 1 ? m : 1)
        }
    }
    return table
}
