import Foundation
import Frechet

/// The shard files given to `fidviz merge`, read and checked to be the K shards of one run:
/// one kind (statistics or features), each recording n and its slice, the same weights and
/// preprocessing, the same K and N, each slice once and none missing. Every refusal is one line
/// naming the files involved.
struct ShardFiles {
    /// One input: its path as given and its contents.
    struct Shard {
        let path: String
        let file: StatisticsFile
        let record: ShardRecord
        let origin: FeatureOrigin
    }

    /// The shards in slice order.
    let shards: [Shard]
    /// True for features files (`pool3` rows), false for statistics (`mu`, `sigma`).
    let areFeatures: Bool

    var origin: FeatureOrigin { shards[0].origin }
    var total: Int { shards[0].record.total }

    /// Reads every path (each must be a readable statistics or features .npz) and checks them,
    /// in this order: one kind, n recorded, a shard record, the same origin, the same K and N and
    /// dimension, no slice twice, no slice missing.
    init(paths: [String]) throws {
        let files = try paths.map { path -> (String, StatisticsFile) in
            guard FileManager.default.fileExists(atPath: path) else { throw InputError("\(path): no such file") }
            return (path, try StatisticsFile.read(contentsOf: URL(fileURLWithPath: path), expectedDimension: nil,
                                                  logits: true, keepRows: true))
        }
        let (firstPath, first) = files[0]
        let areFeatures = first.layout == .features
        for (path, file) in files where (file.layout == .features) != areFeatures {
            let kinds = [(path, file), (firstPath, first)].map { $0.1.layout == .features ? "features (pool3 rows)" : "statistics (mu, sigma)" }
            throw InputError("\(path) holds \(kinds[0]) but \(firstPath) holds \(kinds[1]); merge files of one kind")
        }
        var shards: [Shard] = []
        for (path, file) in files {
            guard file.statistics.n != nil else { throw FrechetError.sampleCountUnknown(source: path) }
            guard let record = file.shard else {
                throw InputError("\(path): not a shard (no shard_index, shard_count, shard_first, shard_total); "
                    + "`fidviz merge` combines the outputs of `fidviz stats --shard I/K` or `fidviz features --shard I/K`")
            }
            guard let origin = file.origin else {
                throw InputError("\(path): does not record the weights and preprocessing of its features "
                    + "(weights_sha256, preprocessing), so it cannot be checked against the other shards")
            }
            shards.append(Shard(path: path, file: file, record: record, origin: origin))
        }
        try Self.checkSameRun(shards)
        self.shards = try Self.checkCoverage(shards)
        self.areFeatures = areFeatures
    }

    /// Every shard made with the first one's weights and preprocessing, of the same K, N and
    /// feature dimension.
    private static func checkSameRun(_ shards: [Shard]) throws {
        let first = shards[0]
        for shard in shards.dropFirst() {
            if shard.origin.weightsSHA256 != first.origin.weightsSHA256 {
                throw InputError("\(shard.path) was made with weights SHA-256 \(shard.origin.weightsSHA256.prefix(8))… but "
                    + "\(first.path) with \(first.origin.weightsSHA256.prefix(8))…; merge shards computed with the same weights")
            }
            if shard.origin.preprocessing != first.origin.preprocessing {
                throw InputError("\(shard.path) was made with preprocessing '\(shard.origin.preprocessing)' but \(first.path) "
                    + "with '\(first.origin.preprocessing)'; merge shards computed with the same preprocessing")
            }
            let (a, b) = (shard.record, first.record)
            if a.slice.count != b.slice.count || a.total != b.total {
                throw InputError("\(shard.path) is shard \(a.slice) of \(a.total) images but \(first.path) is shard "
                    + "\(b.slice) of \(b.total) images; merge the K shards of one run (the same K and the same images)")
            }
            let (d, e) = (shard.file.statistics.dimension, first.file.statistics.dimension)
            if d != e {
                throw InputError("\(shard.path) holds \(d)-dimensional features but \(first.path) holds \(e)-dimensional "
                    + "ones; both must come from the same feature extractor")
            }
        }
    }

    /// The shards sorted by slice, after checking that each slice 0..<K appears exactly once.
    private static func checkCoverage(_ shards: [Shard]) throws -> [Shard] {
        let sorted = shards.sorted { $0.record.slice.index < $1.record.slice.index }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.record.slice == b.record.slice {
            throw InputError("\(a.path) and \(b.path) are both \(a.record); give each shard once")
        }
        let count = sorted[0].record.slice.count, total = sorted[0].record.total
        let present = Set(sorted.map(\.record.slice.index))
        let missing = (0 ..< count).filter { !present.contains($0) }
            .map { ShardRecord(slice: ShardSlice(index: $0, count: count), total: total) }
        if missing.count == 1 {
            throw InputError("\(missing[0]) is missing; merge needs all \(count) shards of the run")
        }
        if missing.count > 1 {
            let shown = missing.prefix(4).map { "\($0.slice)" }.joined(separator: ", ") + (missing.count > 4 ? ", …" : "")
            throw InputError("\(missing.count) of the \(count) shards of \(total) images are missing (\(shown)); "
                + "merge needs all \(count) shards of the run")
        }
        return sorted
    }
}
