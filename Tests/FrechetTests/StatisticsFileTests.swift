import Foundation
import NumpyFiles
import XCTest

@testable import Frechet

/// Reading every supported layout, writing fidviz statistics, and the exact error of each
/// broken file.
final class StatisticsFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("FrechetStatisticsFileTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Small valid statistics: d = 4, sigma = diag(1, 2, 3, 4) + 0.5 (PSD).
    private let mu: [Double] = [0.5, -1, 2, 0]
    private var sigma: [Double] {
        var values = [Double](repeating: 0.5, count: 16)
        for i in 0..<4 { values[i * 4 + i] += Double(i + 1) }
        return values
    }

    private func write(_ name: String, _ arrays: [(String, NpyArray)]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Npz.encoded(arrays.map { (name: $0.0, array: $0.1) }).write(to: url)
        return url
    }

    private func read(_ url: URL) throws -> StatisticsFile {
        try StatisticsFile.read(contentsOf: url, expectedDimension: 4, expectedClassCount: Self.classes)
    }

    /// The class count the files here are read against (Inception's 1008 logits).
    static let classes = 1008

    // MARK: - Layouts

    func testRecognisesEachLayout() throws {
        let pytorch = try read(write("pytorch.npz", [("mu", NpyArray(mu)),
                                                     ("sigma", NpyArray(sigma, shape: [4, 4]))]))
        XCTAssertEqual(pytorch.layout, .pytorchFID)
        XCTAssertEqual(pytorch.statistics, FrechetStatistics(mu: mu, sigma: sigma))

        let clean = try read(write("clean.npz", [("mu", NpyArray(mu.map(Float.init))),
                                                 ("sigma", NpyArray(sigma, shape: [4, 4]))]))
        XCTAssertEqual(clean.layout, .cleanFID)
        XCTAssertEqual(clean.statistics.mu, mu)  // these values are exact in Float32

        let adm = try read(write("adm.npz", [
            ("arr_0", NpyArray([Int64](repeating: 7, count: 2 * 3 * 3 * 3), shape: [2, 3, 3, 3])),
            ("mu", NpyArray(mu)), ("sigma", NpyArray(sigma, shape: [4, 4])),
            ("mu_s", NpyArray([1.0, 2.0])), ("sigma_s", NpyArray([1.0, 0, 0, 1], shape: [2, 2])),
        ]))
        XCTAssertEqual(adm.layout, .guidedDiffusion)
        XCTAssertEqual(adm.statistics.mu, mu)
        XCTAssertEqual(adm.statistics.sigma, sigma)
    }

    func testFeatureFileGivesAccumulatedStatistics() throws {
        var random = TestRandom(seed: 51)
        let rows = 300  // more than one accumulator batch
        let features = (0..<(rows * 4)).map { _ in Float(random.normal()) }
        let file = try read(write("features.npz", [
            ("pool3", NpyArray(features, shape: [rows, 4])),
            ("logits", NpyArray([Float](repeating: 0, count: rows * 3), shape: [rows, 3])),
        ]))
        XCTAssertEqual(file.layout, .features)
        let accumulator = StatisticsAccumulator(dimension: 4)
        accumulator.add(rows: features)
        let expected = try accumulator.statistics()
        XCTAssertEqual(file.statistics.n, rows)
        assertClose(file.statistics.mu, expected.mu, rtol: 1e-14)
        assertClose(file.statistics.sigma, expected.sigma, rtol: 1e-13)
    }

    func testWriteThenReadRoundTripsWithExactKeys() throws {
        let url = folder.appendingPathComponent("fidviz-stats.npz")
        let histogram = (0..<1008).map { Int64($0 % 5) }
        let statistics = FrechetStatistics(mu: mu, sigma: sigma, n: 123)
        try Npz.encoded(StatisticsFile.arrays(statistics, top1Histogram: histogram, provenance: "fidviz test 1.0")).write(to: url)
        let arrays = try Npz.read(contentsOf: url)
        XCTAssertEqual(Set(arrays.keys), ["mu", "sigma", "n", "top1_hist", "fidviz"])
        XCTAssertEqual(arrays["mu"]!.dtype, "<f8")
        XCTAssertEqual(arrays["sigma"]!.shape, [4, 4])
        XCTAssertEqual(arrays["sigma"]!.dtype, "<f8")
        XCTAssertEqual(arrays["n"]!.shape, [])
        XCTAssertEqual(arrays["n"]!.int64s(), [123])
        XCTAssertEqual(arrays["top1_hist"]!.shape, [1008])
        let file = try read(url)
        XCTAssertEqual(file.layout, .fidviz)
        XCTAssertEqual(file.statistics, statistics)
        XCTAssertEqual(file.top1Histogram, histogram)
        XCTAssertEqual(file.provenance, "fidviz test 1.0")
        XCTAssertEqual(try FrechetStatistics.load(contentsOf: url, expectedDimension: 4), statistics)
    }

    // MARK: - Broken files, each with its exact error

    private func assertReadError(_ name: String, _ arrays: [(String, NpyArray)],
                                 _ expected: String, expectedDimension: Int? = 4,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let url = try write(name, arrays)
        XCTAssertThrowsError(
            try StatisticsFile.read(contentsOf: url, expectedDimension: expectedDimension, expectedClassCount: Self.classes),
            file: file, line: line
        ) { error in
            XCTAssertEqual((error as? FrechetError)?.description,
                           "\(url.path): " + expected, file: file, line: line)
        }
    }

    func testMissingKeys() throws {
        try assertReadError("none.npz", [("weights", NpyArray([1.0]))],
                            "key 'mu' is missing (keys present: weights); expected "
                                + "pytorch-fid/clean-fid statistics ('mu', 'sigma') or fidviz "
                                + "features ('pool3')")
        try assertReadError("nosigma.npz", [("mu", NpyArray(mu)), ("n", NpyArray(scalar: Int64(3)))],
                            "key 'sigma' is missing (keys present: mu, n); expected "
                                + "pytorch-fid/clean-fid statistics ('mu', 'sigma') or fidviz "
                                + "features ('pool3')")
    }

    func testShapesDisagreeingWithDimensionOrEachOther() throws {
        try assertReadError("dim.npz", [("mu", NpyArray(mu)), ("sigma", NpyArray(sigma, shape: [4, 4]))],
                            "key 'mu' has shape [4] but [2048] was expected (the feature dimension "
                                + "must be 2048); the file may come from a different feature "
                                + "extractor or be corrupt", expectedDimension: 2048)
        try assertReadError("square.npz", [("mu", NpyArray(mu)),
                                           ("sigma", NpyArray([Double](repeating: 0, count: 12), shape: [4, 3]))],
                            "key 'sigma' has shape [4, 3] but [4, 4] was expected (sigma must be "
                                + "square and match mu [4]); the file may come from a different "
                                + "feature extractor or be corrupt")
        try assertReadError("matrixmu.npz", [("mu", NpyArray(sigma, shape: [4, 4])),
                                             ("sigma", NpyArray(sigma, shape: [4, 4]))],
                            "key 'mu' has shape [4, 4] but [4] was expected (mu must be a vector); "
                                + "the file may come from a different feature extractor or be corrupt")
        try assertReadError("onefeature.npz", [("pool3", NpyArray([Float](repeating: 1, count: 4)))],
                            "1 sample(s) given but at least 2 are needed for a covariance with the "
                                + "N-1 denominator; add more images")
        try assertReadError("widefeatures.npz", [("pool3", NpyArray([Float](repeating: 1, count: 10), shape: [2, 5]))],
                            "key 'pool3' has shape [2, 5] but [-1, 4] was expected (features must "
                                + "be rows [N, 4]); the file may come from a different feature "
                                + "extractor or be corrupt")
    }

    func testNonFiniteValues() throws {
        var badSigma = sigma
        badSigma[6] = .nan
        try assertReadError("nan.npz", [("mu", NpyArray(mu)), ("sigma", NpyArray(badSigma, shape: [4, 4]))],
                            "key 'sigma' holds nan at index [1, 2]; statistics must be finite: "
                                + "recompute them from clean features")
        try assertReadError("inf.npz", [("mu", NpyArray([0, 0, -Double.infinity, 0])),
                                        ("sigma", NpyArray(sigma, shape: [4, 4]))],
                            "key 'mu' holds -inf at index [2]; statistics must be finite: "
                                + "recompute them from clean features")
        var features = [Float](repeating: 1, count: 12)
        features[9] = .infinity
        try assertReadError("inffeatures.npz", [("pool3", NpyArray(features, shape: [3, 4]))],
                            "key 'pool3' holds inf at index [2, 1]; statistics must be finite: "
                                + "recompute them from clean features")
    }

    func testAsymmetricAndIndefiniteSigma() throws {
        var asymmetric = sigma
        asymmetric[1 * 4 + 3] += 0.25
        try assertReadError("asym.npz", [("mu", NpyArray(mu)), ("sigma", NpyArray(asymmetric, shape: [4, 4]))],
                            "key 'sigma' is not symmetric: |sigma[1,3] - sigma[3,1]| = 0.25 exceeds "
                                + "4.5e-06; a covariance matrix must be symmetric (was it "
                                + "transposed or truncated?)")
        // diag(1, 1, 1, -2): eigenvalue -2.
        var indefinite = [Double](repeating: 0, count: 16)
        for i in 0..<4 { indefinite[i * 4 + i] = i == 3 ? -2 : 1 }
        try assertReadError("indef.npz", [("mu", NpyArray(mu)), ("sigma", NpyArray(indefinite, shape: [4, 4]))],
                            "key 'sigma' is not positive semidefinite: smallest eigenvalue -2.0 is "
                                + "below -1e-06; a covariance matrix cannot have negative variance: "
                                + "recompute it")
    }

    func testWrongTypesAndUnreadableFiles() throws {
        try assertReadError("strings.npz", [("mu", NpyArray(["a", "b", "c", "d"])),
                                            ("sigma", NpyArray(sigma, shape: [4, 4]))],
                            "key 'mu' has element type <U1 but <f4 or <f8 was expected")
        let garbage = folder.appendingPathComponent("garbage.npz")
        try Data("not a zip file at all".utf8).write(to: garbage)
        XCTAssertThrowsError(try StatisticsFile.read(contentsOf: garbage)) { error in
            let text = (error as? FrechetError)?.description ?? ""
            XCTAssertTrue(text.hasPrefix("\(garbage.path): cannot be read or written: "), text)
        }
        let missing = folder.appendingPathComponent("absent.npz")
        XCTAssertThrowsError(try StatisticsFile.read(contentsOf: missing)) { error in
            XCTAssertEqual((error as? FrechetError)?.description,
                           "\(missing.path): cannot be read or written: cannot read the file "
                               + "(no such file)")
        }
    }
}

// MARK: - ADM reference batches

extension StatisticsFileTests {
    /// An ADM batch's `arr_0` (images) is never decoded: here it claims (999999, 256, 256, 3)
    /// uint8 values (196 GB) and fails its CRC, yet the statistics load at once.
    func testADMBatchLoadsWithoutDecodingItsImages() throws {
        let url = folder.appendingPathComponent("adm.npz")
        try Npz.encoded([
            ("arr_0", NpyArray([Int64](repeating: 7, count: 54), shape: [2, 3, 3, 3])),
            ("mu", NpyArray(mu)), ("sigma", NpyArray(sigma, shape: [4, 4])),
            ("mu_s", NpyArray([1.0, 2.0])), ("sigma_s", NpyArray([1.0, 0, 0, 1], shape: [2, 2])),
        ]).write(to: url)
        var data = try Data(contentsOf: url)
        // The .npy header is padded with spaces: the longer shape takes 9, so no offset moves.
        let header = try XCTUnwrap(data.range(of: Data(("'shape': (2, 3, 3, 3), }" + String(repeating: " ", count: 9)).utf8)))
        data.replaceSubrange(header, with: Data("'shape': (999999, 256, 256, 3), }".utf8))
        try data.write(to: url)
        XCTAssertThrowsError(try Npz.read(contentsOf: url), "arr_0 is broken when decoded")

        let start = Date()
        let file = try read(url)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(file.layout, .guidedDiffusion)
        XCTAssertEqual(file.statistics, FrechetStatistics(mu: mu, sigma: sigma))
    }

    func testMissingKeyListsEveryMemberEvenUndecodedOnes() throws {
        try assertReadError("only-sigma.npz", [("arr_0", NpyArray([1.0])),
                                               ("sigma", NpyArray(sigma, shape: [4, 4]))],
                            "key 'mu' is missing (keys present: arr_0, sigma); expected "
                                + "pytorch-fid/clean-fid statistics ('mu', 'sigma') or fidviz features ('pool3')")
    }
}

// MARK: - n, top1_hist and fidviz

extension StatisticsFileTests {
    private var moments: [(String, NpyArray)] {
        [("mu", NpyArray(mu)), ("sigma", NpyArray(sigma, shape: [4, 4]))]
    }

    func testSampleCountMustBeOneIntegerOfAtLeastTwo() throws {
        let shape = "; the file may come from a different feature extractor or be corrupt"
        try assertReadError("n1.npz", moments + [("n", NpyArray(scalar: Int64(1)))],
                            "1 sample(s) given but at least 2 are needed for a covariance with the N-1 "
                                + "denominator; add more images")
        try assertReadError("n-negative.npz", moments + [("n", NpyArray(scalar: Int64(-5)))],
                            "-5 sample(s) given but at least 2 are needed for a covariance with the N-1 "
                                + "denominator; add more images")
        try assertReadError("n-vector.npz", moments + [("n", NpyArray([Int64(5), 6]))],
                            "key 'n' has shape [2] but [] was expected (n is the number of samples, a single "
                                + "integer)" + shape)
        try assertReadError("n-float.npz", moments + [("n", NpyArray(scalar: 5.0))],
                            "key 'n' has element type <f8 but an integer (<i8) was expected")
        XCTAssertEqual(try read(write("n2.npz", moments + [("n", NpyArray([Int64(2)]))])).statistics.n, 2)
    }

    func testClassHistogramMustHoldOneNonNegativeCountPerClass() throws {
        let shape = "; the file may come from a different feature extractor or be corrupt"
        try assertReadError("short.npz", moments + [("top1_hist", NpyArray([Int64](repeating: 1, count: 5)))],
                            "key 'top1_hist' has shape [5] but [1008] was expected (one Top-1 count per class)"
                                + shape)
        try assertReadError("two-rows.npz", moments + [("top1_hist", NpyArray([Int64](repeating: 1, count: 2016),
                                                                             shape: [2, 1008]))],
                            "key 'top1_hist' has shape [2, 1008] but [1008] was expected (one Top-1 count per "
                                + "class)" + shape)
        var counts = [Int64](repeating: 3, count: 1008)
        counts[17] = -1
        try assertReadError("negative.npz", moments + [("top1_hist", NpyArray(counts))],
                            "key 'top1_hist' holds -1 at index 17; counts cannot be negative: the file is corrupt")
        try assertReadError("floats.npz", moments + [("top1_hist", NpyArray([Double](repeating: 1, count: 1008)))],
                            "key 'top1_hist' has element type <f8 but an integer array (<i8) was expected")
        let url = try write("any-length.npz", moments + [("top1_hist", NpyArray([Int64(4), 0, 9]))])
        XCTAssertEqual(try StatisticsFile.read(contentsOf: url, expectedDimension: 4, expectedClassCount: nil)
            .top1Histogram, [4, 0, 9])
    }

    func testProvenanceMustBeOneString() throws {
        try assertReadError("numeric.npz", moments + [("fidviz", NpyArray([Int64(1), 2]))],
                            "key 'fidviz' has element type <i8 but one string (<U) was expected")
    }
}
