import OutputFiles
import Foundation
import NumpyFiles
import XCTest

/// Encoding .npz archives: round trips through files. (Writing output files atomically is
/// `Report.NpzFile`'s and `AtomicFile`'s, tested in ReportTests.)
/// (That numpy's `np.load` reads these archives was checked at development time with numpy 2.4.)
final class NpzWritingTests: XCTestCase {

    private func sampleArrays() -> [(name: String, array: NpyArray)] {
        [
            ("files", NpyArray(["a.png", "dir/ünï.png", "", "𝄞x"])),
            ("features", NpyArray((0..<(3 * 2048)).map { Float($0) / 3 }, shape: [3, 2048])),
            ("labels", NpyArray((0..<1008).map { Int64($0) - 500 })),
            ("n", NpyArray(scalar: Int64(50000))),
            ("fid", NpyArray(scalar: 12.5)),
            ("layer", NpyArray(scalar: "mixed_7c")),
            ("empty", NpyArray([Float](), shape: [0, 3])),
        ]
    }

    private func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    // MARK: - Round trips

    func testStoredAndCompressedRoundTrip() throws {
        let folder = try temporaryFolder(self)
        let arrays = sampleArrays()
        for compressed in [false, true] {
            let url = folder.appendingPathComponent(compressed ? "c.npz" : "s.npz")
            try Npz.encoded(arrays, compressed: compressed).write(to: url)
            let back = try Npz.read(contentsOf: url)
            XCTAssertEqual(back.count, arrays.count)
            for (name, array) in arrays { XCTAssertEqual(back[name], array, name) }
        }
        XCTAssertEqual(try contents(of: folder), ["c.npz", "s.npz"], "no temporary file is left")
        let stored = try FileManager.default.attributesOfItem(
            atPath: folder.appendingPathComponent("s.npz").path)
        let deflated = try FileManager.default.attributesOfItem(
            atPath: folder.appendingPathComponent("c.npz").path)
        XCTAssertLessThan(deflated[.size] as! Int, stored[.size] as! Int, "compression took effect")
    }

    func testLargeFloat64MatrixRoundTrip() throws {
        // 2048 x 2048 float64 (32 MiB), the size of a covariance matrix.
        let side = 2048
        let values = (0..<(side * side)).map { Double($0) * 0.5 - 7 }
        let url = try temporaryFolder(self).appendingPathComponent("sigma.npz")
        let start = Date()
        try Npz.encoded([("sigma", NpyArray(values, shape: [side, side]))]).write(to: url)
        let back = try Npz.read(contentsOf: url)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "bulk copies, not per-element work")
        XCTAssertEqual(back["sigma"]?.shape, [side, side])
        XCTAssertEqual(back["sigma"]?.doubles(), values)
    }

    func testReplacesAnExistingFile() throws {
        let url = try temporaryFolder(self).appendingPathComponent("x.npz")
        try Npz.encoded([("a", NpyArray(scalar: 1.0))]).write(to: url)
        try Npz.encoded([("b", NpyArray(scalar: 2.0))]).write(to: url)
        XCTAssertEqual(try Npz.read(contentsOf: url), ["b": NpyArray(scalar: 2.0)])
    }
}
