import SeededRandom
import Foundation
import Frechet
import NumpyFiles

// MARK: - Constructed features with class structure

/// A Gaussian mixture standing in for pool3 features: C classes and one within-class diagonal
/// covariance, all drawn from `SplitMix64(seed)`. `exponential`: means m_c ~ N(0, 0.5^2 I) and
/// standard deviations 0.1 + 0.9 exp(-3 j / d), a flat spectrum; `powerLaw`: standard
/// deviations (j + 1)^-0.6 and means m_cj ~ N(0, deviation_j^2), a spectrum that decays like
/// pool3's, so that most of the d directions carry little variance. The reference side is the
/// mixture's exact statistics at given class proportions, or a sample's; the generated side is a
/// sample at other proportions, so its FID mixes a class-proportion part (what Top-1 matching
/// removes) with finite-sample noise.
struct ClassMixture {
    enum Spectrum: String { case exponential = "exp", powerLaw = "power" }

    let classes: Int
    let dimension: Int
    let means: [Double]  // [C, d]
    let deviations: [Double]  // [d]

    init(classes: Int, dimension d: Int, spectrum: Spectrum = .exponential, generator: inout SplitMix64) {
        self.classes = classes
        dimension = d
        switch spectrum {
        case .exponential:
            means = (0..<(classes * d)).map { _ in 0.5 * generator.normal() }
            deviations = (0..<d).map { 0.1 + 0.9 * exp(-3 * Double($0) / Double(d)) }
        case .powerLaw:
            let deviations = (0..<d).map { pow(Double($0 + 1), -0.6) }
            means = (0..<(classes * d)).map { deviations[$0 % d] * generator.normal() }
            self.deviations = deviations
        }
    }

    /// mu = sum pi_c m_c, sigma = diag(deviations^2) + sum pi_c (m_c - mu)(m_c - mu)^T.
    func statistics(proportions: [Double]) -> FrechetStatistics {
        let d = dimension
        var mu = [Double](repeating: 0, count: d)
        for c in 0..<classes {
            for j in 0..<d { mu[j] += proportions[c] * means[c * d + j] }
        }
        var sigma = [Double](repeating: 0, count: d * d)
        for c in 0..<classes {
            let offset = (0..<d).map { means[c * d + $0] - mu[$0] }
            for i in 0..<d {
                let scaled = proportions[c] * offset[i]
                for j in 0..<d { sigma[i * d + j] += scaled * offset[j] }
            }
        }
        for j in 0..<d { sigma[j * d + j] += deviations[j] * deviations[j] }
        return FrechetStatistics(mu: mu, sigma: sigma)
    }

    /// `count` rows, class c exactly round(pi_c count) times (the last class takes the rest),
    /// Float32 [count, d], with their classes. Each row is noisy with probability `noisyShare`:
    /// its within-class deviations are then `noisyScale` times larger (a generator's failed samples).
    func sample(count: Int, proportions: [Double], noisyShare: Double = 0, noisyScale: Double = 1,
                generator: inout SplitMix64) -> (rows: [Float], labels: [Int])
    {
        let d = dimension
        var labels: [Int] = []
        for c in 0..<classes {
            let size = c == classes - 1 ? count - labels.count
                : Int((proportions[c] * Double(count)).rounded())
            labels += [Int](repeating: c, count: size)
        }
        var rows = [Float](repeating: 0, count: count * d)
        for (i, c) in labels.enumerated() {
            let scale = noisyShare > 0 && generator.uniform() < noisyShare ? noisyScale : 1
            for j in 0..<d {
                rows[i * d + j] = Float(means[c * d + j] + scale * deviations[j] * generator.normal())
            }
        }
        return (rows, labels)
    }

    /// Inception-like logits [count, 1008] for rows of these classes: class c is ImageNet class
    /// 10 c + 1 (logit 8), with 8 related classes 10 c + 2 ... 10 c + 9 (logits 2 + 1.5 z) and
    /// every other class near 0 (0.01 z), z standard normal. Top-1 is the row's class; its Top-5
    /// are that class and four of the related ones, so Top-N matching has 9 columns per class.
    func logits(labels: [Int], generator: inout SplitMix64) -> [Float] {
        let width = 1008
        precondition(10 * classes <= width, "ClassMixture.logits: \(classes) classes do not fit in 1008 logits")
        var logits = [Float](repeating: 0, count: labels.count * width)
        for (i, c) in labels.enumerated() {
            for j in 0..<width { logits[i * width + j] = Float(0.01 * generator.normal()) }
            logits[i * width + 10 * c + 1] = 8
            for k in 2...9 { logits[i * width + 10 * c + k] = Float(2 + 1.5 * generator.normal()) }
        }
        return logits
    }
}

// MARK: - The null-space optimisation, timed

/// `fidviz-bench --nullspace`: FID at uniform and at Top-1 weights, then the minimum over
/// the weights (`NullSpaceOptimizer`), with wall and CPU time per iteration.
enum NullSpaceBenchmark {
    struct Options {
        var count = 50_000
        var dimension = 2048
        var classes = 20
        var seed: UInt64 = 1
        var tolerance = 1e-9
        var maximumIterations = 200
        var precision = GEMMPrecision.float32
        var export: String? = nil
        var saveWeights: String? = nil
        var evaluateWeights: String? = nil
        var checkPrecision = false
        /// Start the optimiser at the Top-1 weights instead of uniform ones.
        var startAtTop1 = true
        /// Reference statistics from this many rows drawn at uniform class proportions (nil:
        /// the mixture's exact statistics).
        var referenceCount: Int? = nil
        /// Share of generated rows whose within-class noise is `noisyScale` times larger.
        var noisyShare = 0.0
        var noisyScale = 4.0
        var spectrum = ClassMixture.Spectrum.exponential
        /// Stop after writing the files.
        var exportOnly = false
        /// A folder for gen.npz and ref.npz features files (needs `referenceCount`).
        var exportFeatures: String? = nil
    }

    static func run(_ options: Options) throws {
        var clock = FrechetBenchmark.Stopwatch()
        var generator = SplitMix64(seed: options.seed)
        let mixture = ClassMixture(classes: options.classes, dimension: options.dimension,
                                   spectrum: options.spectrum, generator: &generator)
        let uniform = [Double](repeating: 1 / Double(options.classes), count: options.classes)
        var skew = (0..<options.classes).map { 1 + 2 * Double($0) / Double(max(options.classes - 1, 1)) }
        let skewTotal = skew.reduce(0, +)
        skew = skew.map { $0 / skewTotal }
        let (rows, labels) = mixture.sample(count: options.count, proportions: skew,
                                            noisyShare: options.noisyShare, noisyScale: options.noisyScale,
                                            generator: &generator)
        // The reference: the mixture's exact statistics, or those of a sample of --ref-n rows.
        var reference = mixture.statistics(proportions: uniform)
        var referenceSample: (rows: [Float], labels: [Int])? = nil
        if let count = options.referenceCount {
            let sample = mixture.sample(count: count, proportions: uniform, generator: &generator)
            let accumulator = StatisticsAccumulator(dimension: options.dimension)
            accumulator.add(rows: sample.rows)
            reference = try accumulator.statistics(source: "reference rows")
            referenceSample = sample
        }
        print("nullspace: N=\(options.count) d=\(options.dimension) classes=\(options.classes) "
              + "seed=\(options.seed) spectrum \(options.spectrum.rawValue) reference \(options.referenceCount.map { "of \($0) rows" } ?? "exact") "
              + "noisy \(options.noisyShare) x\(options.noisyScale) precision=\(options.precision.rawValue): "
              + "features and reference statistics constructed in \(clock.lap())")
        if let folder = options.exportFeatures {
            guard let referenceSample else {
                throw FrechetError.invalidWeights(source: "--export-features",
                                                  reason: "needs --ref-n (reference rows to write)")
            }
            try exportFeatures(folder: folder, generated: (rows, labels), reference: referenceSample,
                               mixture: mixture, generator: &generator)
            print("wrote \(folder)/gen.npz and \(folder)/ref.npz in \(clock.lap())")
        }
        if let path = options.export {
            try Npz.encoded(
                [("rows", NpyArray(rows, shape: [options.count, options.dimension])),
                 ("labels", NpyArray(labels.map(Int64.init))),
                 ("mu_r", NpyArray(reference.mu)),
                 ("sigma_r", NpyArray(reference.sigma, shape: [options.dimension, options.dimension])),
                 ("reference_proportions", NpyArray(uniform))]
            ).write(to: URL(fileURLWithPath: path))
            print("wrote \(path) in \(clock.lap())")
        }

        if options.exportOnly { return }
        let features = FeatureRows(rows, dimension: options.dimension)
        let objective = try WeightedFrechetDistance(reference: reference, rows: features,
                                                    precision: options.precision)
        print("reference factor: \(clock.lap())")
        let uniformWeights = WeightedStatistics.uniformWeights(count: options.count)
        let fid = try objective.distance(weights: uniformWeights)
        print("FID (uniform weights): \(fid)  [\(clock.lap())]")
        let top1 = try ClassMatching.top1Weights(
            referenceHistogram: referenceSample.map { histogram($0.labels, classes: options.classes) } ?? uniform,
            generatedTop1: labels)
        let matched = try objective.distance(weights: top1.weights)
        print("FID (Top-1 matched): \(matched), ESS \(format(top1.effectiveSampleSize))  [\(clock.lap())]")
        if options.checkPrecision { try comparePrecisions(objective, weights: top1.weights) }
        if let path = options.evaluateWeights {
            let other = try readWeights(path)
            let total = other.reduce(0, +)
            print("FID of the weights in \(path): \(try objective.distance(weights: other.map { $0 / total }))")
        }

        clock.restart()
        var total = FrechetBenchmark.Stopwatch()
        let optimizer = NullSpaceOptimizer(maximumIterations: options.maximumIterations,
                                           relativeTolerance: options.tolerance)
        print("optimising from \(options.startAtTop1 ? "the Top-1" : "uniform") weights, tolerance "
              + "\(options.tolerance) (relative decrease of a Newton step)")
        let result = try optimizer.minimize(
            objective, initialWeights: options.startAtTop1 ? top1.weights : nil
        ) { iteration, value in
            print("  iteration \(iteration): FID \(value)  [\(clock.lap())]")
        }
        print("minimum FID \(result.fid) after \(result.iterations) iterations: \(result.reason.rawValue), "
              + "converged \(result.converged); \(result.fidEvaluations) FID evaluations, "
              + "\(result.gradientEvaluations) gradients, \(result.hessianProducts) Hessian products; Frank-Wolfe gap \(result.frankWolfeGap), "
              + "ESS \(format(result.effectiveSampleSize)), zero weights "
              + "\(result.weights.filter { $0 == 0 }.count)  [total \(total.lap())]")
        print("  " + profile(result.seconds))
        if let path = options.saveWeights {
            try Npz.encoded([("weights", NpyArray(result.weights))]).write(to: URL(fileURLWithPath: path))
        }
        let resampled = try Resampling.medianFID(objective, weights: result.weights, seed: 1)
        print("FID of resamples at the minimising weights: median \(resampled.median) of \(resampled.values)  "
              + "[\(total.lap())]")
        print(String(format: "peak memory: %.2f GiB", Double(peakResidentBytes()) / Double(1 << 30)))
    }

    /// The gradient with Float32 and Float64 GEMMs: time and largest difference relative to
    /// the spread of the Float64 gradient (what the optimiser's steps depend on).
    static func comparePrecisions(_ objective: WeightedFrechetDistance, weights: [Double]) throws {
        var clock = FrechetBenchmark.Stopwatch()
        let single = try WeightedFrechetDistance(reference: objective.reference,
                                                 rows: objective.rows, precision: .float32)
            .distanceAndGradient(weights: weights).gradient
        let singleTime = clock.lap()
        let double = try WeightedFrechetDistance(reference: objective.reference,
                                                 rows: objective.rows, precision: .float64)
            .distanceAndGradient(weights: weights).gradient
        let doubleTime = clock.lap()
        let spread = (double.max() ?? 0) - (double.min() ?? 0)
        let worst = zip(single, double).map { abs($0 - $1) }.max() ?? 0
        print("gradient at Top-1 weights: Float32 GEMM \(singleTime), Float64 GEMM \(doubleTime); "
              + "max |g32 - g64| / (max g64 - min g64) = \(worst / spread)")
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Where the optimiser's wall time went.
    static func profile(_ seconds: NullSpaceOptimizer.Seconds) -> String {
        String(format: "seconds: co-moments %.2f, spectra (eigendecompositions) %.2f, gradients %.2f, "
               + "curvature set-up %.2f, Hessian products %.2f",
               seconds.moments, seconds.spectra, seconds.gradients, seconds.curvature, seconds.products)
    }

    static func histogram(_ labels: [Int], classes: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: classes)
        for c in labels { counts[c] += 1 }
        return counts
    }

    /// FOLDER/gen.npz and FOLDER/ref.npz as `fidviz features` writes them (`files`, `pool3`,
    /// `logits`), for timing `fidviz classes` on the same rows. The file names need not exist.
    static func exportFeatures(folder: String, generated: (rows: [Float], labels: [Int]),
                               reference: (rows: [Float], labels: [Int]), mixture: ClassMixture,
                               generator: inout SplitMix64) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, set) in [("gen", generated), ("ref", reference)] {
            let n = set.labels.count
            let files = (0..<n).map { String(format: "\(name)/%06d.png", $0) }
            try Npz.encoded(
                [("files", NpyArray(shape: [n], values: .unicode(files))),
                 ("pool3", NpyArray(shape: [n, mixture.dimension], values: .float32(set.rows))),
                 ("logits", NpyArray(shape: [n, 1008],
                                     values: .float32(mixture.logits(labels: set.labels, generator: &generator))))]
            ).write(to: URL(fileURLWithPath: folder + "/" + name + ".npz"))
        }
    }

    /// `weights` of an .npz.
    static func readWeights(_ path: String) throws -> [Double] {
        guard let weights = try Npz.read(contentsOf: URL(fileURLWithPath: path))["weights"]?.doubles() else {
            throw FrechetError.invalidWeights(source: path, reason: "no float64 array 'weights'")
        }
        return weights
    }

    static func options(from arguments: [String]) -> Options {
        var options = Options()
        func value(_ name: String) -> String? {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
            return arguments[i + 1]
        }
        if let v = value("--n").flatMap(Int.init) { options.count = v }
        if let v = value("--d").flatMap(Int.init) { options.dimension = v }
        if let v = value("--classes").flatMap(Int.init) { options.classes = v }
        if let v = value("--seed").flatMap(UInt64.init) { options.seed = v }
        if let v = value("--tolerance").flatMap(Double.init) { options.tolerance = v }
        if let v = value("--max-iterations").flatMap(Int.init) { options.maximumIterations = v }
        if let v = value("--precision").flatMap(GEMMPrecision.init(rawValue:)) { options.precision = v }
        options.export = value("--export")
        options.saveWeights = value("--save-weights")
        options.evaluateWeights = value("--evaluate-weights")
        options.checkPrecision = arguments.contains("--check-precision")
        options.exportOnly = arguments.contains("--export-only")
        if let v = value("--start") { options.startAtTop1 = v != "uniform" }
        options.referenceCount = value("--ref-n").flatMap(Int.init)
        if let v = value("--noisy").flatMap(Double.init) { options.noisyShare = v }
        if let v = value("--noisy-scale").flatMap(Double.init) { options.noisyScale = v }
        options.exportFeatures = value("--export-features")
        if let v = value("--spectrum").flatMap(ClassMixture.Spectrum.init(rawValue:)) { options.spectrum = v }
        return options
    }
}
