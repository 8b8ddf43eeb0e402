import Foundation
import NumpyFiles
import UntrustedInput

// MARK: - Statistics files (.npz)

/// FID statistics as stored on disk, in the layouts the FID ecosystem uses.
///
/// Reading recognises, by their keys:
/// - pytorch-fid / TTUR: `mu` f8 [d], `sigma` f8 [d, d];
/// - clean-fid: `mu` f4 [d], `sigma` f8 [d, d];
/// - ADM / guided-diffusion reference batches: `mu`, `sigma` plus `arr_0` (the images) and
///   spatial statistics `mu_s`, `sigma_s`; only `mu` and `sigma` are used;
/// - fidviz statistics (what `arrays` produces): `mu`, `sigma`, `n`, optional `top1_hist`,
///   `mu_logits`/`sigma_logits`, `fidviz` (a provenance string), plus the record keys of
///   `recordArrays`: `weights_sha256`, `preprocessing` and, for a shard, `shard_*`;
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
    /// Statistics of the 1008 logits: a fidviz file's `mu_logits`/`sigma_logits`, or those of a
    /// features file's `logits` rows (when logits were asked for).
    public var logitStatistics: FrechetStatistics?
    /// Statistics of the reference images' Top-N multi-hot vectors [classes] (`mu_top<N>`,
    /// `sigma_top<N>`; `ClassMatching.topNStatistics`), by N, where recorded.
    public var topNStatistics: [Int: FrechetStatistics] = [:]
    /// A features file's rows, when asked for (`keepRows`): `pool3` [N, d] as Float32,
    /// `logits` [N, classes] (when present and `logits` or `keepRows` was asked for) and `files` [N]
    /// (when present).
    public var features: [Float]?
    public var logits: [Float]?
    public var files: [String]?
    /// The weights and preprocessing a fidviz file's features came from (`weights_sha256`,
    /// `preprocessing`), when recorded.
    public var origin: FeatureOrigin?
    /// The slice a shard's file holds (`fidviz stats --shard`, `features --shard`), when it is one.
    public var shard: ShardRecord?

    /// Rows of `pool3` fed to the accumulator at a time.
    static let featureBatchRows = 256

    /// Reads the statistics in the .npz at `url` and validates them (`FrechetStatistics.validate`,
    /// with its default tolerances).
    ///
    /// - Parameters:
    ///   - expectedDimension: the feature dimension d the arrays must have (nil: any).
    ///   - expectedClassCount: the length `top1_hist` must have, when present (nil: any).
    ///   - logits: also read a features file's `logits` (its rows and their statistics).
    ///   - keepRows: keep a features file's rows (`features`, `logits`, `files`).
    public static func read(
        contentsOf url: URL, expectedDimension: Int? = nil, expectedClassCount: Int? = nil,
        logits: Bool = false, keepRows: Bool = false
    ) throws -> StatisticsFile {
        let archive = try unreadable(url.path) { try NpzArchive(contentsOf: url) }
        return try read(archive, expectedDimension: expectedDimension, expectedClassCount: expectedClassCount,
                        logits: logits, keepRows: keepRows)
    }

    /// Reads and validates the statistics in an opened .npz (see `read(contentsOf:)`); errors
    /// name the file as `archive.name`.
    public static func read(
        _ archive: NpzArchive, expectedDimension: Int? = nil, expectedClassCount: Int? = nil,
        logits: Bool = false, keepRows: Bool = false
    ) throws -> StatisticsFile {
        let source = archive.name
        let keys = archive.keys
        // Only the members fidviz uses are decoded; an ADM batch's `arr_0` images are skipped.
        let wanted = archive.contains("mu") || archive.contains("sigma")
            ? ["mu", "sigma", "n", "mu_logits", "sigma_logits"] + keys.filter(isTopNKey)
            : ["pool3", "feats", "features", "files"] + (logits || keepRows ? ["logits"] : [])
        let arrays = try unreadable(source) { try archive.arrays(wanted + ["top1_hist", "fidviz"] + recordKeys) }
        var file: StatisticsFile
        if arrays["mu"] != nil || arrays["sigma"] != nil {
            file = try readMoments(arrays, keys: keys, source: source,
                                   expectedDimension: expectedDimension)
        } else if let key = ["pool3", "feats", "features"].first(where: { arrays[$0] != nil }) {
            file = try readFeatures(arrays, key: key, source: source, expectedDimension: expectedDimension,
                                    keepRows: keepRows)
        } else {
            throw FrechetError.missingKey(source: source, key: "mu", available: keys)
        }
        try file.statistics.validate(source: source)
        try file.readExtras(arrays, source: source, expectedClassCount: expectedClassCount)
        try file.readRecord(arrays, source: source, rows: file.statistics.n)
        return file
    }

    /// `body`'s result, with a `NumpyFileError` turned into `FrechetError.unreadable` naming `source`.
    private static func unreadable<T>(_ source: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NumpyFileError {
            var reason = error.reason
            if let member = error.member { reason = "member '\(UntrustedText.printable(member))': " + reason }
            if let offset = error.offset { reason += " (at byte \(offset))" }
            throw FrechetError.unreadable(source: source, reason: reason)
        } catch {
            throw FrechetError.unreadable(source: source, reason: "\(error)")
        }
    }

    /// The arrays of a fidviz statistics file, in the order they are written: `mu` f8 [d],
    /// `sigma` f8 [d, d], `n` int64 scalar (when known), `top1_hist` int64 [1008] (when given),
    /// `mu_logits` f8 [1008] and `sigma_logits` f8 [1008, 1008] (when given), `mu_top<N>` f8
    /// [1008] and `sigma_top<N>` f8 [1008, 1008] (Top-N multi-hot statistics, when given) and `fidviz`
    /// (provenance). pytorch-fid reads such a file as ordinary statistics; it ignores the extra
    /// keys.
    public static func arrays(
        _ statistics: FrechetStatistics, top1Histogram: [Int64]? = nil,
        logitStatistics: FrechetStatistics? = nil, topNStatistics: [Int: FrechetStatistics] = [:],
        provenance: String
    ) -> [(name: String, array: NpyArray)] {
        let d = statistics.dimension
        var arrays: [(name: String, array: NpyArray)] = [
            ("mu", NpyArray(statistics.mu, shape: [d])),
            ("sigma", NpyArray(statistics.sigma, shape: [d, d])),
        ]
        if let n = statistics.n { arrays.append(("n", NpyArray(scalar: Int64(n)))) }
        if let histogram = top1Histogram { arrays.append(("top1_hist", NpyArray(histogram))) }
        if let logits = logitStatistics {
            let c = logits.dimension
            arrays.append(("mu_logits", NpyArray(logits.mu, shape: [c])))
            arrays.append(("sigma_logits", NpyArray(logits.sigma, shape: [c, c])))
        }
        for (n, multiHot) in topNStatistics.sorted(by: { $0.key < $1.key }) {
            let c = multiHot.dimension
            arrays.append(("mu_top\(n)", NpyArray(multiHot.mu, shape: [c])))
            arrays.append(("sigma_top\(n)", NpyArray(multiHot.sigma, shape: [c, c])))
        }
        arrays.append(("fidviz", NpyArray(scalar: provenance)))
        return arrays
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

    /// A features file: `pool3` [N, d] (clean-fid's KID files call it `feats`), optional
    /// `logits` [N, C] and `files` [N].
    private static func readFeatures(_ arrays: [String: NpyArray], key: String, source: String,
                                     expectedDimension: Int?, keepRows: Bool) throws -> StatisticsFile {
        let pool3 = arrays[key]!
        var file = StatisticsFile(statistics: try rowStatistics(pool3, key: key, source: source,
                                                                dimension: expectedDimension),
                                  layout: .features)
        let count = pool3.shape.count == 2 ? pool3.shape[0] : 1
        if let logits = arrays["logits"] {
            let statistics = try rowStatistics(logits, key: "logits", source: source, dimension: nil)
            guard logits.shape.first == count, logits.shape.count == 2 else {
                throw FrechetError.shapeMismatch(source: source, key: "logits", shape: logits.shape,
                                                 expected: [count, logits.shape.last ?? 0],
                                                 reason: "one row of logits per row of \(key)")
            }
            file.logitStatistics = statistics
            file.logits = logits.floats()
        }
        if keepRows {
            file.features = pool3.floats()
            if let names = arrays["files"] {
                guard let strings = names.strings(), strings.count == count else {
                    throw FrechetError.shapeMismatch(source: source, key: "files", shape: names.shape, expected: [count],
                                                     reason: "one file name per row of \(key)")
                }
                file.files = strings
            }
        }
        return file
    }

    /// The statistics of feature rows [N, d] (f4 or f8, all finite), accumulated in fixed chunks
    /// of `featureBatchRows` rows.
    static func rowStatistics(_ array: NpyArray, key: String, source: String, dimension: Int?) throws
        -> FrechetStatistics {
        let shape = array.shape
        let d = dimension ?? shape.last ?? 0
        guard (shape.count == 1 || shape.count == 2), shape.last == d, d > 0 else {
            throw FrechetError.shapeMismatch(
                source: source, key: key, shape: shape, expected: [-1, d],
                reason: "features must be rows [N, \(d)]")
        }
        let accumulator = StatisticsAccumulator(dimension: d)
        func firstNonFinite<T: BinaryFloatingPoint>(_ values: [T]) throws {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw FrechetError.nonFinite(
                    source: source, key: key, index: shape.count == 2 ? [i / d, i % d] : [i],
                    value: Double(values[i]))
            }
        }
        let rows = array.count / d
        switch array.values {
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
                source: source, key: key, found: array.dtype, expected: "<f4 or <f8")
        }
        return try accumulator.statistics(source: source)
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
        if let recorded = try Self.classStatistics(arrays, suffix: "logits", n: statistics.n, source: source,
                                                   expectedClassCount: expectedClassCount, what: "logit") {
            logitStatistics = recorded
        }
        for key in arrays.keys.filter(Self.isTopNKey) where key.hasPrefix("mu_") {
            let suffix = String(key.dropFirst(3))
            guard let n = Int(suffix.dropFirst(3)) else { continue }
            topNStatistics[n] = try Self.classStatistics(arrays, suffix: suffix, n: statistics.n, source: source,
                                                         expectedClassCount: expectedClassCount,
                                                         what: "Top-\(n) multi-hot")
        }
        if let array = arrays["fidviz"] {
            guard let text = array.strings(), text.count == 1 else {
                throw FrechetError.unsupportedType(
                    source: source, key: "fidviz", found: array.dtype, expected: "one string (<U)")
            }
            provenance = text[0]
        }
    }

    /// `mu_top<N>` / `sigma_top<N>` for a whole number N >= 1.
    static func isTopNKey(_ key: String) -> Bool {
        for prefix in ["mu_top", "sigma_top"] where key.hasPrefix(prefix) {
            return Int(key.dropFirst(prefix.count)).map { $0 >= 1 } ?? false
        }
        return false
    }

    /// The statistics `mu_<suffix>` [classes] and `sigma_<suffix>` [classes, classes] of
    /// per-image class vectors, nil when neither key is present; both or neither must be.
    private static func classStatistics(_ arrays: [String: NpyArray], suffix: String, n: Int?, source: String,
                                        expectedClassCount: Int?, what: String) throws -> FrechetStatistics? {
        let muKey = "mu_" + suffix, sigmaKey = "sigma_" + suffix
        guard arrays[muKey] != nil || arrays[sigmaKey] != nil else { return nil }
        for key in [muKey, sigmaKey] where arrays[key] == nil {
            throw FrechetError.missingKey(source: source, key: key, available: Array(arrays.keys).sorted())
        }
        let mu = try numbers(arrays[muKey]!, key: muKey, source: source)
        let sigma = try numbers(arrays[sigmaKey]!, key: sigmaKey, source: source)
        let classes = expectedClassCount ?? mu.count
        guard arrays[muKey]!.shape == [classes] else {
            throw FrechetError.shapeMismatch(source: source, key: muKey, shape: arrays[muKey]!.shape,
                                             expected: [classes], reason: "one mean \(what) value per class")
        }
        guard arrays[sigmaKey]!.shape == [classes, classes] else {
            throw FrechetError.shapeMismatch(source: source, key: sigmaKey, shape: arrays[sigmaKey]!.shape,
                                             expected: [classes, classes],
                                             reason: "\(sigmaKey) must be square and match \(muKey)")
        }
        let statistics = FrechetStatistics(mu: mu, sigma: sigma, n: n)
        try statistics.validate(source: source, checkPositiveSemidefinite: false)
        return statistics
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
    public static func load(contentsOf url: URL, expectedDimension: Int? = nil) throws
        -> FrechetStatistics
    {
        try StatisticsFile.read(contentsOf: url, expectedDimension: expectedDimension).statistics
    }
}
