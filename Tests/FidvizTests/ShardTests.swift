// `stats --shard`, `features --shard` and `merge`, run as a user runs them on one machine: K
// fidviz processes at once, then merge, compared with a single run.

import Dispatch
import Foundation
import Frechet
import NumpyFiles
import TestSupport
import XCTest

final class ShardTests: FidvizTestCase {
    // MARK: - One sharded run, made once

    /// Nine images split into 4 shards (2, 2, 2 and 3 images), each shard's `stats` and
    /// `features` run as 4 processes at once, and the same two commands run on all the images.
    /// Every run uses --batch-size 1: on CPUs where the network's float32 results depend on how
    /// images are grouped into GEMMs (see StatsAndFIDTests.testStatsOfGoldenImagesIndependentOfBatchSize),
    /// only batches of one give each image the same features in any slice.
    struct Run {
        let images: URL
        let folder: URL
        let single: URL, singleFeatures: URL
        /// shard-<i>.npz (statistics) and features-<i>.npz, i = 0..<4.
        func shard(_ i: Int) -> URL { folder.appendingPathComponent("shard-\(i).npz") }
        func features(_ i: Int) -> URL { folder.appendingPathComponent("features-\(i).npz") }
    }

    static let count = 4

    static let run: Result<Run, Error> = Result {
        let folder = try TestRun.folder("shards")
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        let sources = Fixtures.repository.appendingPathComponent("samples/reference")
        for stem in ["astronaut", "brick", "chelsea", "coffee", "grass", "gravel", "horse", "retina", "rocket"] {
            try FileManager.default.copyItem(at: sources.appendingPathComponent("\(stem)-crop1.png"),
                                             to: images.appendingPathComponent("\(stem).png"))
        }
        let run = Run(images: images, folder: folder, single: folder.appendingPathComponent("single.npz"),
                      singleFeatures: folder.appendingPathComponent("single-features.npz"))
        let weights = try TestRun.seededCheckpoint(.legacy).path
        func fidviz(_ arguments: [String]) throws {
            let result = try FidvizBinary.run(arguments + ["--weights", weights, "--batch-size", "1", "-q"],
                                              environment: FidvizBinary.isolatedEnvironment(home: folder), in: folder)
            guard result.status == 0 else { throw FidvizTestError("\(result)") }
        }
        try fidviz(["stats", images.path, "-o", run.single.path])
        try fidviz(["features", images.path, "-o", run.singleFeatures.path])
        for command in ["stats", "features"] {
            var failures: [Error?] = Array(repeating: nil, count: count)
            let lock = NSLock()
            DispatchQueue.concurrentPerform(iterations: count) { i in
                let output = command == "stats" ? run.shard(i) : run.features(i)
                do { try fidviz([command, images.path, "--shard", "\(i)/\(count)", "-o", output.path]) } catch {
                    lock.lock()
                    failures[i] = error
                    lock.unlock()
                }
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
        }
        return run
    }

    // MARK: - Exact merge

    /// Each shard file records its slice; merging the 4 (given in any order) gives the single
    /// run: mu, sigma and the logit statistics within 1e-12, the same n and class histogram;
    /// features merge to the single run's rows exactly, in its order.
    func testMergedShardsEqualTheSingleRun() throws {
        let run = try Self.run.get()
        for i in 0 ..< Self.count {
            let arrays = try Npz.read(contentsOf: run.shard(i))
            let range = ShardSlice(index: i, count: Self.count).range(total: 9)
            XCTAssertEqual(arrays["shard_index"]?.int64s(), [Int64(i)])
            XCTAssertEqual(arrays["shard_count"]?.int64s(), [4])
            XCTAssertEqual(arrays["shard_first"]?.int64s(), [Int64(range.lowerBound)])
            XCTAssertEqual(arrays["shard_total"]?.int64s(), [9])
            XCTAssertEqual(arrays["n"]?.int64s(), [Int64(range.count)])
            XCTAssertEqual(arrays["preprocessing"]?.strings(), ["PIL-RGB /255 bilinear299 align_corners=False 2x-1"])
            XCTAssertEqual(arrays["weights_sha256"]?.strings()?.first?.count, 64)
            let provenance = try XCTUnwrap(arrays["fidviz"]?.strings()?.first)
            XCTAssertTrue(provenance.hasSuffix("images \(range.lowerBound)..<\(range.upperBound) of 9: shard \(i)/4"), provenance)
        }
        let work = try makeFolder()
        let merged = work.appendingPathComponent("merged.npz")
        let shuffled = [2, 0, 3, 1].map { run.shard($0).path }
        let result = try fidviz(["merge"] + shuffled + ["-o", merged.path])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderrLines, ["fidviz: wrote statistics of 9 images (4 shards) to \(merged.path)"])
        let single = try Npz.read(contentsOf: run.single), all = try Npz.read(contentsOf: merged)
        XCTAssertEqual(Set(all.keys), ["mu", "sigma", "n", "top1_hist", "mu_logits", "sigma_logits", "mu_top5",
                                       "sigma_top5", "fidviz", "weights_sha256", "preprocessing"])
        XCTAssertEqual(Set(single.keys), Set(all.keys))
        for key in ["mu", "sigma", "mu_logits", "sigma_logits", "mu_top5", "sigma_top5"] {
            XCTAssertLessThanOrEqual(relativeError(try XCTUnwrap(all[key]?.doubles()), try XCTUnwrap(single[key]?.doubles())),
                                     1e-12, key)
        }
        for key in ["n", "top1_hist", "weights_sha256", "preprocessing"] { XCTAssertEqual(all[key], single[key], key) }

        let mergedFeatures = work.appendingPathComponent("features.npz")
        let features = try fidviz(["merge"] + (0 ..< Self.count).reversed().map { run.features($0).path }
                                  + ["-o", mergedFeatures.path, "-q"])
        XCTAssertEqual(features.status, 0, "\(features)")
        let rows = try Npz.read(contentsOf: mergedFeatures), singleRows = try Npz.read(contentsOf: run.singleFeatures)
        for key in ["files", "pool3", "logits", "weights_sha256"] { XCTAssertEqual(rows[key], singleRows[key], key) }
        // The merged file is a features file like any other: FID of it against the merged
        // statistics is that of the single run's features against the single run's statistics.
        let fid = try fidviz(["fid", mergedFeatures.path, "--ref", merged.path, "-q"])
        let reference = try fidviz(["fid", run.singleFeatures.path, "--ref", run.single.path, "-q"])
        XCTAssertEqual(fid.status, 0, "\(fid)")
        let (a, b) = (try XCTUnwrap(Double(fid.stdout.dropFirst(5).dropLast())),
                      try XCTUnwrap(Double(reference.stdout.dropFirst(5).dropLast())))
        XCTAssertEqual(a, b, accuracy: 1e-8 * max(abs(b), 1))
    }

    /// The slices are disjoint and cover the sorted list, and do not depend on the order in
    /// which the folder lists its files: the same images written again in reverse order, with
    /// another file among them, give shard 2/4 the same images and rows.
    func testShardsAreDisjointCompleteAndStableUnderRelisting() throws {
        let run = try Self.run.get()
        let names = try (0 ..< Self.count).map { try XCTUnwrap(Npz.read(contentsOf: run.features($0))["files"]?.strings()) }
        let all = try XCTUnwrap(Npz.read(contentsOf: run.singleFeatures)["files"]?.strings())
        XCTAssertEqual(names.map(\.count), [2, 2, 2, 3])
        XCTAssertEqual(names.flatMap { $0 }, all, "disjoint, complete, in the single run's order")
        XCTAssertEqual(all, all.sorted())

        let relisted = try makeFolder("relisted")
        for file in try contents(of: run.images).reversed() {
            try FileManager.default.copyItem(at: run.images.appendingPathComponent(file), to: relisted.appendingPathComponent(file))
        }
        try Data("notes".utf8).write(to: relisted.appendingPathComponent("b-notes.txt"))
        let output = try makeFolder().appendingPathComponent("again.npz")
        let again = try fidviz(["features", relisted.path, "--shard", "2/4", "-o", output.path, "--batch-size", "1", "-q",
                                "--weights", try TestRun.seededCheckpoint(.legacy).path])
        XCTAssertEqual(again.status, 0, "\(again)")
        let arrays = try Npz.read(contentsOf: output), original = try Npz.read(contentsOf: run.features(2))
        XCTAssertEqual(arrays["files"]?.strings()?.map { ($0 as NSString).lastPathComponent },
                       original["files"]?.strings()?.map { ($0 as NSString).lastPathComponent })
        XCTAssertEqual(arrays["pool3"], original["pool3"])
    }

    // MARK: - Refusals

    /// Each way a set of files is not the K shards of one run: exit 1, one line, nothing written.
    func testMergeRefusesWhatIsNotOneRunsShards() throws {
        let run = try Self.run.get()
        let work = try makeFolder()
        let s = (0 ..< Self.count).map { run.shard($0).path }
        // Shard 1 again, claiming other weights, other preprocessing, or another K and N.
        func edited(_ name: String, _ change: (inout [String: NpyArray]) -> Void) throws -> String {
            var arrays = try Npz.read(contentsOf: run.shard(1))
            change(&arrays)
            let url = work.appendingPathComponent(name)
            try Npz.encoded(arrays.sorted { $0.key < $1.key }.map { (name: $0.key, array: $0.value) }).write(to: url)
            return url.path
        }
        let sha = try XCTUnwrap(Npz.read(contentsOf: run.shard(0))["weights_sha256"]?.strings()?.first)
        let otherWeights = try edited("other-weights.npz") { $0["weights_sha256"] = NpyArray(scalar: String(repeating: "0", count: 64)) }
        let otherPreprocessing = try edited("other-preprocessing.npz") { $0["preprocessing"] = NpyArray(scalar: "PIL-RGB /255 bicubic299") }
        // Shard 1 of 2 of 4 images is images 2..<4: the record is sound, but not this run's.
        let otherRun = try edited("other-run.npz") {
            $0["shard_count"] = NpyArray(scalar: Int64(2))
            $0["shard_total"] = NpyArray(scalar: Int64(4))
        }
        let pytorchFID = Fixtures.url("stats/pytorch_fid_a.npz").path
        let cases: [([String], String)] = [
            ([s[0], pytorchFID], "Error: \(pytorchFID): the number of samples (n) is not recorded, so these statistics "
                + "cannot be merged exactly; merge files written by `fidviz stats`, which record n"),
            ([s[0], run.features(1).path], "Error: \(run.features(1).path) holds features (pool3 rows) but \(s[0]) holds "
                + "statistics (mu, sigma); merge files of one kind"),
            ([run.single.path], "Error: \(run.single.path): not a shard (no shard_index, shard_count, shard_first, shard_total); "
                + "`fidviz merge` combines the outputs of `fidviz stats --shard I/K` or `fidviz features --shard I/K`"),
            ([s[0], otherWeights, s[2], s[3]], "Error: \(otherWeights) was made with weights SHA-256 00000000… but \(s[0]) "
                + "with \(sha.prefix(8))…; merge shards computed with the same weights"),
            ([s[0], otherPreprocessing, s[2], s[3]], "Error: \(otherPreprocessing) was made with preprocessing "
                + "'PIL-RGB /255 bicubic299' but \(s[0]) with 'PIL-RGB /255 bilinear299 align_corners=False 2x-1'; "
                + "merge shards computed with the same preprocessing"),
            ([s[0], otherRun, s[2], s[3]], "Error: \(otherRun) is shard 1/2 of 4 images but \(s[0]) is shard 0/4 of 9 images; "
                + "merge the K shards of one run (the same K and the same images)"),
            ([s[0], s[1], s[2], s[1], s[3]], "Error: \(s[1]) and \(s[1]) are both shard 1/4 (images 2..<4 of 9); give each shard once"),
            ([s[3], s[0], s[1]], "Error: shard 2/4 (images 4..<6 of 9) is missing; merge needs all 4 shards of the run"),
            ([s[3], s[0]], "Error: 2 of the 4 shards of 9 images are missing (1/4, 2/4); merge needs all 4 shards of the run"),
        ]
        let output = work.appendingPathComponent("merged.npz")
        for (inputs, line) in cases {
            let result = try fidviz(["merge"] + inputs + ["-o", output.path, "-q"])
            XCTAssertEqual(result.status, 1, "\(result)")
            XCTAssertEqual(result.stderrLines, [line])
            XCTAssertEqual(result.stdout, "")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "\(inputs)")
        }
    }

    /// `--shard` is checked before any work: I/K counted from 0, and every shard holds at least
    /// two images.
    func testShardOptionIsCheckedBeforeAnyWork() throws {
        let images = Fixtures.url("golden/images").path  // 5 images
        let output = try makeFolder().appendingPathComponent("s.npz").path
        let usage: [(String, String)] = [
            ("4/4", "Error: --shard 4/4: I must be in 0...3; shards are counted from 0, like Slurm's $SLURM_ARRAY_TASK_ID "
                + "with --array=0-3 and Kubernetes' $JOB_COMPLETION_INDEX"),
            ("1/0", "Error: --shard 1/0: K must be at least 1"),
            ("1-4", "Error: --shard 1-4: give I/K, two whole numbers such as 0/4 (shard I of K, counted from 0)"),
            ("+1/4", "Error: --shard +1/4: give I/K, two whole numbers such as 0/4 (shard I of K, counted from 0)"),
        ]
        for command in ["stats", "features"] {
            for (shard, line) in usage {
                let result = try fidviz([command, images, "--shard", shard, "-o", output, "-q", "--weights", "/nonexistent.pth"])
                XCTAssertEqual(result.status, 64, "\(result)")
                XCTAssertEqual(result.stderrLines, [line])
            }
            let tooMany = try fidviz([command, images, "--shard", "0/3", "-o", output, "-q", "--weights", "/nonexistent.pth"])
            assertFailsWithOneLine(tooMany, containing: [
                "--shard 0/3: shard 0 of 3 holds 1 of the 5 images, but every shard needs at least 2 (a set of one has no "
                    + "covariance); use at most 2 shards",
            ])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }
}
