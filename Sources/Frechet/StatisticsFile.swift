import Foundation
import NumpyFiles

// MARK: - Statistics files (.npz)

/// FID statistics as stored on disk, in the layouts the FID ecosystem uses.
///
/// Reading recognises, by their keys:
/// - pytorch-fid / TTUR: `mu` f8 [d], `sigma` f8 [d, d];
/// - clean-fid: `mu` f4 [d], `sigma` f8 [d, d];
/// - ADM / guided-diffusion reference batches: `mu`, `sigma` plus `arr_0` (the images) and
///   spatial statistics `mu_s`, `sigma_s`; only `mu` and `sigma` are used;
/// - fidviz statistics (what `write` produces): `mu`, `sigma`, `n`, optional `top1_hist`,
///   `fidviz` (a provenance string);
/// - fidviz feature files: `pool3` [N, d] (f4 or f8; `logits` ignored): the statistics are
///   computed with `StatisticsAccumulator`.
///
/// Every problem is a `FrechetError` naming the file and the key: a missing key, a shape that
/// disagrees with the expected dimension or with the other array, NaN/Inf, a `sigma` that is
/// not symmetric or not positive semidefinite within tolerance (see
/// `FrechetStatistics.validate`), an `n` that is not one integer of at least 2, a `top1_hist`
/// that is not one non-negative integer count per class, a `fidviz` that is not a string.
///
/// Memory: only the members used are decoded (`mu`, `sigma`, `n`, `top1_hist`, `fidviz`, or
/// `pool3` for a features file); the others, such as an ADM reference batch's gigabytes of
/// `arr_0` images, are never read (their directory entries are still checked, see `NpzArchive`).
public struct StatisticsFile: Sendable, Equatable {
    /// Which convention a file followed.
    public enum Layout: String, Sendable {
        case pytorchFID = "pytorch-fid/TTUR statistics"
        case cleanFID = "clean-fid statistics"
        case guidedDiffusion = "ADM reference batch"
        case fidviz = "fidviz statistics"
        case features = "fidviz features"
    }

    public var statistics: FrechetStatistics
    public var layout: Layout
    /// `top1_hist` of a fidviz file (Top-1 class counts), when present.
    public var top1Histogram: [Int64]?
    /// `fidviz` of a fidviz file (how the statistics were made), when present.
    public var provenance: String?

    /// Rows of `pool3` fed to the accumulator at a time.
    static let featureBatchRows = 256

    /// Reads and validates the statistics in the .npz at `url`.
    ///
    /// - Parameters:
    ///   - expectedDimension: the feature dimension d the arrays must have (nil: any).
    ///   - expectedClassCount: the length `top1_hist` must have, when present (nil: any).
    ///   - checkPositiveSemidefinite: run the O(d^3) PSD test on `sigma`.
    public static func read(
        contentsOf url: URL, expectedDimension: Int? = 2048, expectedClassCount: Int? = 1008,
        checkPositiveSemidefinite: Bool = true,
        symmetryTolerance: Double = FrechetStatistics.defaultSymmetryTolerance,
        psdTolerance: Double = FrechetStatistics.defaultPSDTolerance
    ) throws -> StatisticsFile {
        let source = url.path
        let keys: [String]
        let arrays: [String: NpyArray]
        do {
            // Only the members fidviz uses are decoded; an ADM batch's `arr_0` images are skipped.
            let archive = try NpzArchive(contentsOf: url)
            keys = archive.keys
            let wanted = archive.contains("mu") || archive.contains("sigma")
                ? ["mu", "sigma", "n"] : ["pool3"]
            arrays = try archive.arrays(wanted + ["top1_hist", "fidviz"])
        } catch let error as NumpyFileError {
            var reason = error.reason
            if let member = error.member { reason = "member '\(member)': " + reason }
            if let offset = error.offset { reason += " (at byte \(offset))" }
            throw FrechetError.unreadable(source: source, reason: reason)
        } catch {
            throw FrechetError.unreadable(source: source, reason: "\(error)")
        }
        var file: StatisticsFile
        if arrays["mu"] != nil || arrays["sigma"] != nil {
            file = try readMoments(arrays, keys: keys, source: source,
                                   expectedDimension: expectedDimension)
        } else if let pool3 = arrays["pool3"] {
            file = try readFeatures(pool3, source: source, expectedDimension: expectedDimension)
        } else {
            throw FrechetError.missingKey(source: source, key: "mu", available: keys)
        }
        try file.statistics.validate(
            source: source, checkPositiveSemidefinite: checkPositiveSemidefinite,
            symmetryTolerance: symmetryTolerance, psdTolerance: psdTolerance)
        try file.readExtras(arrays, source: source, expectedClassCount: expectedClassCount)
        return file
    }

    /// Writes fidviz statistics: `mu` f8 [d], `sigma` f8 [d, d], `n` int64 scalar (when
    /// known), `top1_hist` int64 (when given; [1008] for Inception) and `fidviz` (provenance).
    /// pytorch-fid reads such a file as ordinary statistics; it ignores the extra keys.
    /// The file is replaced atomically.
    public static func write(
        _ statistics: FrechetStatistics, to url: URL, top1Histogram: [Int64]? = nil,
        provenance: String
    ) throws {
        let d = statistics.dimension
        var arrays: [(name: String, array: NpyArray)] = [
            ("mu", NpyArray(statistics.mu, shape: [d])),
            ("sigma", NpyArray(statistics.sigma, shape: [d, d])),
        ]
        if let n = statistics.n { arrays.append(("n", NpyArray(scalar: Int64(n)))) }
        if let histogram = top1Histogram { arrays.append(("top1_hist", NpyArray(histogram))) }
        arrays.append(("fidviz", NpyArray(scalar: provenance)))
        do {
            try Npz.write(arrays, to: url, compressed: false)
        } catch let error as NumpyFileError {
            throw FrechetError.unreadable(source: url.path, reason: error.reason)
        } catch {
            throw FrechetError.unreadable(source: url.path, reason: "\(error)")
        }
    }

    // MARK: - Layouts

    /// `arrays` holds the decoded members (mu, sigma, n, ...); `keys` lists every member.
    private static func readMoments(_ arrays: [String: NpyArray], keys allKeys: [String],
                                    source: String, expectedDimension: Int?) throws -> StatisticsFile {
        for key in ["mu", "sigma"] where arrays[key] == nil {
            throw FrechetError.missingKey(source: source, key: key, available: allKeys)
        }
        let muArray = arrays["mu"]!
        let sigmaArray = arrays["sigma"]!
        let mu = try numbers(muArray, key: "mu", source: source)
        let sigma = try numbers(sigmaArray, key: "sigma", source: source)
        let d = muArray.shape.first ?? 0
        if muArray.shape.count != 1 {
            throw FrechetError.shapeMismatch(
                source: source, key: "mu", shape: muArray.shape, expected: [expectedDimension ?? d],
                reason: "mu must be a vector")
        }
        if let expected = expectedDimension, d != expected {
            throw FrechetError.shapeMismatch(
                source: source, key: "mu", shape: muArray.shape, expected: [expected],
                reason: "the feature dimension must be \(expected)")
        }
        if sigmaArray.shape != [d, d] {
            throw FrechetError.shapeMismatch(
                source: source, key: "sigma", shape: sigmaArray.shape, expected: [d, d],
                reason: "sigma must be square and match mu [\(d)]")
        }
        let keys = Set(allKeys)
        let layout: Layout
        if keys.contains("arr_0") || keys.contains(where: { $0.hasSuffix("_s") }) {
            layout = .guidedDiffusion
        } else if keys.contains("fidviz") {
            layout = .fidviz
        } else if case .float32 = muArray.values {
            layout = .cleanFID
        } else {
            layout = .pytorchFID
        }
        let n = try arrays["n"].map { try sampleCount($0, source: source) }
        return StatisticsFile(statistics: FrechetStatistics(mu: mu, sigma: sigma, n: n),
                              layout: layout)
    }

    private static func readFeatures(_ pool3: NpyArray, source: String, expectedDimension: Int?)
        throws -> StatisticsFile
    {
        let shape = pool3.shape
        let d = expectedDimension ?? shape.last ?? 0
        guard (shape.count == 1 || shape.count == 2), shape.last == d, d > 0 else {
            throw FrechetError.shapeMismatch(
                source: source, key: "pool3", shape: shape, expected: [-1, d],
                reason: "features must be rows [N, \(d)]")
        }
        let accumulator = StatisticsAccumulator(dimension: d)
        func firstNonFinite<T: BinaryFloatingPoint>(_ values: [T]) throws {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw FrechetError.nonFinite(
                    source: source, key: "pool3", index: shape.count == 2 ? [i / d, i % d] : [i],
                    value: Double(values[i]))
            }
        }
        let rows = pool3.count / d
        switch pool3.values {
        case .float32(let features):
            try firstNonFinite(features)
            features.withUnsafeBufferPointer { all in
                for start in stride(from: 0, to: rows, by: featureBatchRows) {
                    let end = min(start + featureBatchRows, rows)
                    accumulator.add(rows: UnsafeBufferPointer(rebasing: all[(start * d)..<(end * d)]))
                }
            }
        case .float64(let features):
            try firstNonFinite(features)
            for start in stride(from: 0, to: rows, by: featureBatchRows) {
                let end = min(start + featureBatchRows, rows)
                accumulator.add(rows: Array(features[(start * d)..<(end * d)]))
            }
        case .int64, .unicode:
            throw FrechetError.unsupportedType(
                source: source, key: "pool3", found: pool3.dtype, expected: "<f4 or <f8")
        }
        return StatisticsFile(statistics: try accumulator.statistics(source: source),
                              layout: .features)
    }

    /// `n`: one integer, at least 2 (statistics of fewer samples have no covariance).
    private static func sampleCount(_ array: NpyArray, source: String) throws -> Int {
        guard let values = array.int64s() else {
            throw FrechetError.unsupportedType(
                source: source, key: "n", found: array.dtype, expected: "an integer (<i8)")
        }
        guard values.count == 1, array.shape.count <= 1 else {
            throw FrechetError.shapeMismatch(
                source: source, key: "n", shape: array.shape, expected: [],
                reason: "n is the number of samples, a single integer")
        }
        guard values[0] >= 2 else {
            throw FrechetError.tooFewSamples(source: source, count: Int(values[0]), needed: 2)
        }
        return Int(values[0])
    }

    /// `top1_hist` (non-negative integer counts, `expectedClassCount` of them) and `fidviz` (a
    /// string), when present.
    private mutating func readExtras(_ arrays: [String: NpyArray], source: String,
                                     expectedClassCount: Int?) throws {
        if let array = arrays["top1_hist"] {
            guard let counts = array.int64s() else {
                throw FrechetError.unsupportedType(
                    source: source, key: "top1_hist", found: array.dtype, expected: "an integer array (<i8)")
            }
            let classes = expectedClassCount ?? counts.count
            guard array.shape == [classes] else {
                throw FrechetError.shapeMismatch(
                    source: source, key: "top1_hist", shape: array.shape, expected: [classes],
                    reason: "one Top-1 count per class")
            }
            if let index = counts.firstIndex(where: { $0 < 0 }) {
                throw FrechetError.negativeCount(source: source, key: "top1_hist", index: index,
                                                 value: counts[index])
            }
            top1Histogram = counts
        }
        if let array = arrays["fidviz"] {
            guard let text = array.strings(), text.count == 1 else {
                throw FrechetError.unsupportedType(
                    source: source, key: "fidviz", found: array.dtype, expected: "one string (<U)")
            }
            provenance = text[0]
        }
    }

    /// The array's values as Double, or `unsupportedType` for strings.
    private static func numbers(_ array: NpyArray, key: String, source: String) throws -> [Double] {
        guard let values = array.doubles() else {
            throw FrechetError.unsupportedType(
                source: source, key: key, found: array.dtype, expected: "<f4 or <f8")
        }
        return values
    }
}

// MARK: - Conveniences on the statistics themselves

extension FrechetStatistics {
    /// The validated statistics in the .npz at `url` (see `StatisticsFile.read`).
    public static func load(contentsOf url: URL, expectedDimension: Int? = 2048) throws
        -> FrechetStatistics
    {
        try StatisticsFile.read(contentsOf: url, expectedDimension: expectedDimension).statistics
    }

    /// Writes these statistics as a fidviz .npz (see `StatisticsFile.write`).
    public func write(to url: URL, top1Histogram: [Int64]? = nil, provenance: String) throws {
        try StatisticsFile.write(self, to: url, top1Histogram: top1Histogram,
                                 provenance: provenance)
    }
}
