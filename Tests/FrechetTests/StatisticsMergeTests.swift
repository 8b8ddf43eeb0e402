import Foundation
import NumpyFiles
import XCTest

@testable import Frechet

/// Shards: the slices of an ordered list, merging statistics from n, mu and sigma, and the shard
/// record a file carries.
final class StatisticsMergeTests: XCTestCase {
    // MARK: - Slicing

    /// For every N up to 40 and K up to 12: the K slices are disjoint, in order, cover 0..<N
    /// exactly, differ in size by at most one, and are [I N / K, (I + 1) N / K).
    func testSlicesAreDisjointCompleteAndBalanced() {
        for total in 0...40 {
            for count in 1...12 {
                let ranges = (0..<count).map { ShardSlice(index: $0, count: count).range(total: total) }
                XCTAssertEqual(ranges.first?.lowerBound, 0, "N=\(total) K=\(count)")
                XCTAssertEqual(ranges.last?.upperBound, total, "N=\(total) K=\(count)")
                for (a, b) in zip(ranges, ranges.dropFirst()) {
                    XCTAssertEqual(a.upperBound, b.lowerBound, "N=\(total) K=\(count): gap or overlap")
                }
                let sizes = ranges.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "N=\(total) K=\(count): \(sizes)")
                XCTAssertEqual(sizes.reduce(0, +), total)
                for (i, range) in ranges.enumerated() {
                    XCTAssertEqual(range, i * total / count ..< (i + 1) * total / count)
                }
            }
        }
        // The slices depend on N only: the same list gives the same slices every time.
        XCTAssertEqual(ShardSlice(index: 1, count: 4).range(total: 9), 2..<4)
        XCTAssertEqual(ShardSlice(index: 3, count: 4).range(total: 9), 6..<9)
        XCTAssertEqual("\(ShardRecord(slice: ShardSlice(index: 1, count: 4), total: 9))", "shard 1/4 (images 2..<4 of 9)")
    }

    // MARK: - Merging statistics

    /// Rows with a large common offset (which breaks naive sum-of-squares formulas), split into
    /// uneven parts: the merged statistics equal those of all rows within 1e-12.
    func testMergedPartsEqualTheWholeSet() throws {
        let d = 12, total = 203
        var random = TestRandom(seed: 11)
        let rows = (0..<(total * d)).map { i in 500 + Double(i % d) * 3 + random.normal() * Double(1 + i % 5) }
        let whole = StatisticsAccumulator(dimension: d)
        whole.add(rows: rows)
        let expected = try whole.statistics()
        for count in [1, 2, 3, 7, 50] {
            let parts = try (0..<count).map { k -> FrechetStatistics in
                let range = ShardSlice(index: k, count: count).range(total: total)
                let part = StatisticsAccumulator(dimension: d)
                part.add(rows: Array(rows[(range.lowerBound * d)..<(range.upperBound * d)]))
                return try part.statistics()
            }
            let merged = try FrechetStatistics.merged(parts)
            XCTAssertEqual(merged.n, total)
            assertClose(merged.mu, expected.mu, rtol: 1e-12, "mu, \(count) parts")
            assertClose(merged.sigma, expected.sigma, rtol: 1e-12, "sigma, \(count) parts")
            // The order of the parts does not matter beyond rounding.
            let reversed = try FrechetStatistics.merged(parts.reversed())
            assertClose(reversed.sigma, expected.sigma, rtol: 1e-12, "sigma, \(count) parts reversed")
        }
    }

    /// Two sets of two points in 3-D, merged by hand: the union {0, 2} x e1 and {4, 6} x e1 has
    /// mean 3 e1 and variance ((-3)^2 + (-1)^2 + 1^2 + 3^2) / 3 = 20/3 along e1.
    func testMergeOfTwoPairsByHand() throws {
        let a = FrechetStatistics(mu: [1, 0, 0], sigma: [2, 0, 0, 0, 0, 0, 0, 0, 0], n: 2)
        let b = FrechetStatistics(mu: [5, 0, 0], sigma: [2, 0, 0, 0, 0, 0, 0, 0, 0], n: 2)
        let merged = try FrechetStatistics.merged([a, b])
        XCTAssertEqual(merged.n, 4)
        XCTAssertEqual(merged.mu, [3, 0, 0])
        XCTAssertEqual(merged.sigma[0], 20.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(Array(merged.sigma.dropFirst()), [Double](repeating: 0, count: 8))
    }

    func testMergeRefusesUnknownCountsAndOtherDimensions() {
        let known = FrechetStatistics(mu: [0, 0], sigma: [1, 0, 0, 1], n: 5)
        let unknown = FrechetStatistics(mu: [0, 0], sigma: [1, 0, 0, 1])
        XCTAssertThrowsError(try FrechetStatistics.merged([known, unknown], sources: ["a.npz", "b.npz"])) {
            XCTAssertEqual($0 as? FrechetError, .sampleCountUnknown(source: "b.npz"))
        }
        XCTAssertEqual(FrechetError.sampleCountUnknown(source: "b.npz").description,
                       "b.npz: the number of samples (n) is not recorded, so these statistics cannot be merged "
                           + "exactly; merge files written by `fidviz stats`, which record n")
        let wide = FrechetStatistics(mu: [0, 0, 0], sigma: [1, 0, 0, 0, 1, 0, 0, 0, 1], n: 5)
        XCTAssertThrowsError(try FrechetStatistics.merged([known, wide])) {
            XCTAssertEqual($0 as? FrechetError, .dimensionMismatch(what: "part 2", expected: 2, found: 3))
        }
    }

    // MARK: - The shard record in a file

    /// A statistics file with a shard record reads it back; a record that contradicts itself or
    /// the file's n is refused naming the key.
    func testShardRecordRoundTripsAndIsChecked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let statistics = FrechetStatistics(mu: [1, 2], sigma: [2, 0, 0, 3], n: 2)
        let origin = FeatureOrigin(weightsSHA256: String(repeating: "ab", count: 32), preprocessing: "test", backbone: "dinov2-vits14")
        let record = ShardRecord(slice: ShardSlice(index: 1, count: 4), total: 9)  // images 2..<4
        func write(_ name: String, shard: ShardRecord?, edit: (inout [(name: String, array: NpyArray)]) -> Void = { _ in })
            throws -> URL {
            var arrays = StatisticsFile.arrays(statistics, provenance: "test")
                + StatisticsFile.recordArrays(origin: origin, shard: shard)
            edit(&arrays)
            let url = folder.appendingPathComponent(name)
            try Npz.encoded(arrays).write(to: url)
            return url
        }
        let good = try StatisticsFile.read(contentsOf: write("good.npz", shard: record), expectedDimension: 2)
        XCTAssertEqual(good.shard, record)
        XCTAssertEqual(good.origin, origin)
        XCTAssertNil(try StatisticsFile.read(contentsOf: write("whole.npz", shard: nil), expectedDimension: 2).shard)

        func replacing(_ key: String, _ value: Int64) -> (inout [(name: String, array: NpyArray)]) -> Void {
            { arrays in arrays = arrays.map { $0.name == key ? (key, NpyArray(scalar: value)) : $0 } }
        }
        let cases: [(String, (inout [(name: String, array: NpyArray)]) -> Void, (String) -> FrechetError)] = [
            ("first.npz", replacing("shard_first", 3),
             { .inconsistent(source: $0, key: "shard_first", reason: "is 3, but shard 1/4 of 9 starts at 2") }),
            ("index.npz", replacing("shard_index", 4),
             { .inconsistent(source: $0, key: "shard_index", reason: "is 4 of shard_count 4, outside 0..<4") }),
            ("rows.npz", { replacing("shard_total", 13)(&$0); replacing("shard_first", 3)(&$0) },
             { .inconsistent(source: $0, key: "shard_total",
                             reason: "makes this shard 1/4 (images 3..<6 of 13), but the file holds 2 samples") }),
        ]
        for (name, edit, error) in cases {
            let url = try write(name, shard: record, edit: edit)
            XCTAssertThrowsError(try StatisticsFile.read(contentsOf: url, expectedDimension: 2), name) {
                XCTAssertEqual($0 as? FrechetError, error(url.path), name)
            }
        }
    }
}
