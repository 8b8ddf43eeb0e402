import NumpyFiles

// MARK: - Shards

/// Shard `index` of `count` of an ordered list of N inputs, 0-based (as Slurm array task ids and
/// Kubernetes completion indices are): the contiguous inputs [index N / count, (index + 1) N / count)
/// (integer division). The `count` slices of a list are disjoint, cover it, keep its order and
/// differ in size by at most one; they depend only on N, so listing the same inputs again gives
/// the same slices.
public struct ShardSlice: Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        precondition(count > 0 && index >= 0 && index < count, "ShardSlice: \(index)/\(count) needs 0 <= index < count")
        self.index = index
        self.count = count
    }

    /// The inputs this shard holds out of `total`.
    public func range(total: Int) -> Range<Int> {
        precondition(total >= 0, "ShardSlice.range: total \(total) < 0")
        return index * total / count ..< (index + 1) * total / count
    }

    /// "I/K", as `--shard` takes it.
    public var description: String { "\(index)/\(count)" }
}

/// What a shard's file records about its slice: `shard_index` (I), `shard_count` (K),
/// `shard_first` (the first input it holds) and `shard_total` (N), int64 scalars.
public struct ShardRecord: Equatable, Sendable, CustomStringConvertible {
    public let slice: ShardSlice
    /// N, the number of inputs in the whole list.
    public let total: Int

    public init(slice: ShardSlice, total: Int) {
        self.slice = slice
        self.total = total
    }

    /// The inputs the shard holds.
    public var range: Range<Int> { slice.range(total: total) }

    /// "shard 1/4 (images 25..<50 of 100)".
    public var description: String {
        "shard \(slice) (images \(range.lowerBound)..<\(range.upperBound) of \(total))"
    }
}

// MARK: - Where features came from

/// How a fidviz file's features were made, as keys a program can compare (files made with other
/// weights or preprocessing must not be merged): `weights_sha256`, the weights file's SHA-256 as
/// 64 lower-case hex digits, and `preprocessing`, the image preparation (e.g.
/// "PIL-RGB /255 bilinear299 align_corners=False 2x-1"). The `fidviz` string says the same for people.
public struct FeatureOrigin: Equatable, Sendable {
    public let weightsSHA256: String
    public let preprocessing: String
    /// The network (`--backbone`: "inception", "dinov2-vitl14", ...); nil in files written before
    /// fidviz ran more than one network, which are Inception's.
    public let backbone: String?

    public init(weightsSHA256: String, preprocessing: String, backbone: String?) {
        (self.weightsSHA256, self.preprocessing, self.backbone) = (weightsSHA256, preprocessing, backbone)
    }
}

// MARK: - Reading and writing the record keys

extension StatisticsFile {
    /// The keys `recordArrays` writes, read when present.
    static let recordKeys = ["shard_index", "shard_count", "shard_first", "shard_total", "weights_sha256", "preprocessing",
                             "backbone"]

    /// The arrays that record a file's origin and, for a shard, its slice; written after the
    /// statistics or features.
    public static func recordArrays(origin: FeatureOrigin, shard: ShardRecord?) -> [(name: String, array: NpyArray)] {
        var arrays: [(name: String, array: NpyArray)] = []
        if let shard {
            arrays += [("shard_index", NpyArray(scalar: Int64(shard.slice.index))),
                       ("shard_count", NpyArray(scalar: Int64(shard.slice.count))),
                       ("shard_first", NpyArray(scalar: Int64(shard.range.lowerBound))),
                       ("shard_total", NpyArray(scalar: Int64(shard.total)))]
        }
        arrays += [("weights_sha256", NpyArray(scalar: origin.weightsSHA256)),
                   ("preprocessing", NpyArray(scalar: origin.preprocessing))]
        if let backbone = origin.backbone { arrays.append(("backbone", NpyArray(scalar: backbone))) }
        return arrays
    }

    /// Reads `origin` and `shard` from `arrays`. The shard keys come all four or none; they must
    /// describe a slice (0 <= I < K, N >= 0, shard_first = I N / K) of exactly the file's
    /// `rows` samples (when known).
    mutating func readRecord(_ arrays: [String: NpyArray], source: String, rows: Int?) throws {
        func string(_ key: String) throws -> String? {
            guard let array = arrays[key] else { return nil }
            guard let text = array.strings(), text.count == 1 else {
                throw FrechetError.unsupportedType(source: source, key: key, found: array.dtype, expected: "one string (<U)")
            }
            return text[0]
        }
        func integer(_ key: String) throws -> Int? {
            guard let array = arrays[key] else { return nil }
            guard let values = array.int64s(), values.count == 1 else {
                throw FrechetError.unsupportedType(source: source, key: key, found: array.dtype, expected: "one integer (<i8)")
            }
            return Int(values[0])
        }
        let sha = try string("weights_sha256"), preprocessing = try string("preprocessing")
        if let sha, let preprocessing {
            origin = FeatureOrigin(weightsSHA256: sha, preprocessing: preprocessing, backbone: try string("backbone"))
        } else if sha != nil || preprocessing != nil {
            let missing = sha == nil ? "weights_sha256" : "preprocessing"
            throw FrechetError.missingKey(source: source, key: missing, available: Array(arrays.keys))
        }

        let keys = ["shard_index", "shard_count", "shard_first", "shard_total"]
        let values = try keys.map(integer)
        guard values.contains(where: { $0 != nil }) else { return }
        if let k = values.firstIndex(where: { $0 == nil }) {
            throw FrechetError.missingKey(source: source, key: keys[k], available: Array(arrays.keys))
        }
        let (index, count, first, total) = (values[0]!, values[1]!, values[2]!, values[3]!)
        guard count > 0, index >= 0, index < count else {
            throw FrechetError.inconsistent(source: source, key: "shard_index",
                                            reason: "is \(index) of shard_count \(count), outside 0..<\(count)")
        }
        guard total >= 0 else {
            throw FrechetError.inconsistent(source: source, key: "shard_total", reason: "is \(total), below 0")
        }
        let record = ShardRecord(slice: ShardSlice(index: index, count: count), total: total)
        guard first == record.range.lowerBound else {
            throw FrechetError.inconsistent(source: source, key: "shard_first",
                                            reason: "is \(first), but shard \(record.slice) of \(total) starts at \(record.range.lowerBound)")
        }
        if let rows, rows != record.range.count {
            throw FrechetError.inconsistent(source: source, key: "shard_total",
                                            reason: "makes this \(record), but the file holds \(rows) samples")
        }
        shard = record
    }
}
