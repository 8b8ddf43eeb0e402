import ArgumentParser
import Frechet

/// `--shard I/K`, for `stats` and `features`: measure only slice I of K of the sorted images, so
/// that K jobs (a Slurm array, a Kubernetes Indexed Job, GNU parallel) share a large set and
/// `fidviz merge` combines their outputs into the single-run result.
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Measure only shard I of K (0-based: 0 <= I < K) of the sorted images: images [I*N/K, (I+1)*N/K). Combine the K outputs with `fidviz merge`.",
        valueName: "I/K"))
    var shard: String?

    func validate() throws { _ = try slice }

    /// The parsed `--shard`, nil when not given.
    var slice: ShardSlice? {
        get throws {
            guard let shard else { return nil }
            let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
                  parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
                throw ValidationError("--shard \(shard): give I/K, two whole numbers such as 0/4 (shard I of K, counted from 0)")
            }
            guard count >= 1 else { throw ValidationError("--shard \(shard): K must be at least 1") }
            guard index < count else {
                throw ValidationError("--shard \(shard): I must be in 0...\(count - 1); shards are counted from 0, "
                    + "like Slurm's $SLURM_ARRAY_TASK_ID with --array=0-\(count - 1) and Kubernetes' $JOB_COMPLETION_INDEX")
            }
            return ShardSlice(index: index, count: count)
        }
    }

    /// `images`, or the shard of them `--shard` names, with its record. Every shard must hold
    /// at least 2 images (a set of one has no covariance, so its file could not be read back).
    func select(_ images: ImageFiles) throws -> (images: ImageFiles, shard: ShardRecord?) {
        guard let slice = try slice else { return (images, nil) }
        let record = ShardRecord(slice: slice, total: images.count)
        guard record.range.count >= 2 else {
            throw InputError("--shard \(slice): shard \(slice.index) of \(slice.count) holds \(record.range.count) of the "
                + "\(images.count) images, but every shard needs at least 2 (a set of one has no covariance); "
                + "use at most \(max(1, images.count / 2)) shards")
        }
        return (images.slice(record.range), record)
    }
}
