// `fidviz classes --backbone inception,dinov2-*`: FD_DINOv2 under each weighting, the paper's
// control, with the seeded Inception-v3 and the seeded depth-2 DINOv2 ViT-S/14.

import Foundation
import Frechet
import NumpyFiles
import TestSupport
import XCTest

final class ClassesTwoSpaceCommandTests: FidvizTestCase {
    private var inception: String!
    private let dinov2 = Fixtures.url("dinov2/seeded-0-vits14-depth2.pth").path
    private let backbones = ["--backbone", "inception,dinov2-vits14"]
    private let controlKeys = ["fd_dinov2", "fd_dinov2_top1_matched", "fd_dinov2_topn_matched", "fd_dinov2_pool3_weighted",
                               "fd_dinov2_pool3_resampled"]

    override func setUpWithError() throws {
        inception = try TestRun.seededCheckpoint(.legacy).path
    }

    private func json(_ run: FidvizRun, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
    }

    private func number(_ object: [String: Any], _ key: String) throws -> Double {
        try XCTUnwrap(object[key] as? Double, "\(key) in \(object)")
    }

    /// The four files of a two-space run without network: features of the generated images and
    /// statistics of the reference, per backbone.
    private struct Files {
        let gen: String, genDINOv2: String, ref: String, refDINOv2: String
    }

    private func files(gen: URL, ref: URL, in work: URL) throws -> Files {
        let files = Files(gen: work.appendingPathComponent("gen.npz").path,
                          genDINOv2: work.appendingPathComponent("gen-dino.npz").path,
                          ref: work.appendingPathComponent("ref.npz").path,
                          refDINOv2: work.appendingPathComponent("ref-dino.npz").path)
        let dino = ["--backbone", "dinov2-vits14", "--weights", dinov2, "--quiet"]
        let incep = ["--weights", inception!, "--quiet"]
        for arguments in [["features", gen.path, "-o", files.gen] + incep, ["stats", ref.path, "-o", files.ref] + incep,
                          ["features", gen.path, "-o", files.genDINOv2] + dino,
                          ["stats", ref.path, "-o", files.refDINOv2] + dino] {
            let run = try fidviz(arguments)
            XCTAssertEqual(run.status, 0, "\(run)")
        }
        return files
    }

    /// Images through both networks: FD_DINOv2 under every weighting, named as such, equal to
    /// `fidviz fid` for uniform weights and to the Fréchet distance of the DINOv2 rows at the
    /// saved weights; then the same numbers from the four files with no network (and no
    /// weights), with the files in either order, and from a DINOv2 features file given as --aux.
    func testImagesAndFilesGiveFDDINOv2UnderEachWeighting() throws {
        let gen = try imageFolder(5, name: "gen"), ref = try imageFolder(6, name: "ref")
        let work = try makeFolder()
        let saved = work.appendingPathComponent("w.npz").path
        let fromImages = try json(try fidviz(["classes", gen.path, "--ref", ref.path, "--json", "--save-weights", saved,
                                              "--weights", dinov2, "--weights", inception, "--quiet",
                                              "--max-iterations", "10"] + backbones))
        for key in controlKeys { XCTAssertNotNil(fromImages[key] as? Double, key) }
        XCTAssertNil(fromImages["aux"], "FD_DINOv2 is not an aux extractor")
        let headline = try XCTUnwrap(fromImages["headline"] as? String)
        XCTAssertTrue(headline.hasPrefix("Top-1 matching "), headline)
        XCTAssertTrue(headline.contains("FD_DINOv2"), headline)

        let files = try self.files(gen: gen, ref: ref, in: work)
        let fid = try json(try fidviz(["fid", files.genDINOv2, "--ref", files.refDINOv2, "--json"]))
        let fd = try number(fromImages, "fd_dinov2")
        XCTAssertEqual(fd, try number(fid, "fd_dinov2"), accuracy: 1e-9 * fd)
        let weights = try Npz.read(contentsOf: URL(fileURLWithPath: saved))
        let rows = FeatureRows(try XCTUnwrap(try Npz.read(contentsOf: URL(fileURLWithPath: files.genDINOv2))["features"]?
            .floats()), dimension: 384)
        let reference = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: files.refDINOv2)).statistics
        for (key, name) in [("fd_dinov2_top1_matched", "top1"), ("fd_dinov2_topn_matched", "topn"),
                            ("fd_dinov2_pool3_weighted", "pool3")] {
            let w = try XCTUnwrap(weights[name]?.doubles(), name)
            let direct = try FrechetDistance.distance(reference: reference, rows: rows, weights: w)
            XCTAssertEqual(try number(fromImages, key), direct, accuracy: 1e-12 * direct, key)
        }

        // No network: no --weights, and the isolated environment has none to find.
        for order in [[files.gen, files.genDINOv2, "--ref", files.ref, "--ref", files.refDINOv2],
                      [files.genDINOv2, files.gen, "--ref", files.refDINOv2, "--ref", files.ref]] {
            let fromFiles = try json(try fidviz(["classes"] + order + ["--json", "--quiet", "--max-iterations", "10"]
                                                + backbones))
            for key in controlKeys + ["fid", "fid_top1_matched", "fid_pool3_weighted"] {
                let expected = try number(fromImages, key)
                XCTAssertEqual(try number(fromFiles, key), expected, accuracy: 1e-12 * expected, key)
            }
        }
        // A DINOv2 features file as --aux is FD_DINOv2 too.
        let fromAux = try json(try fidviz(["classes", files.gen, "--ref", files.ref, "--aux", files.genDINOv2,
                                           "--aux-ref", files.refDINOv2, "--json", "--quiet", "--max-iterations", "10"]))
        XCTAssertNil(fromAux["aux"])
        for key in controlKeys {
            let expected = try number(fromImages, key)
            XCTAssertEqual(try number(fromAux, key), expected, accuracy: 1e-12 * expected, key)
        }
        // The text and the report name it too.
        let report = work.appendingPathComponent("report")
        let text = try fidviz(["classes", files.gen, files.genDINOv2, "--ref", files.ref, "--ref", files.refDINOv2,
                               "--quiet", "--max-iterations", "10", "-o", report.path] + backbones)
        XCTAssertEqual(text.status, 0, "\(text)")
        XCTAssertTrue(text.stdout.contains("\nFD_DINOv2: "), text.stdout)
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<th class=\"num\">FD_DINOv2</th>"), html)
        XCTAssertTrue(FileManager.default.fileExists(atPath: report.appendingPathComponent("class-matching/change.png").path))
    }

    /// Images for one network, a file for the other: only DINOv2's generated features come from
    /// the file, and the numbers are those of the all-images run.
    func testImagesWithADINOv2FeaturesFile() throws {
        let gen = try imageFolder(4, name: "gen"), ref = try imageFolder(5, name: "ref")
        let work = try makeFolder()
        let files = try self.files(gen: gen, ref: ref, in: work)
        let mixed = try json(try fidviz(["classes", gen.path, files.genDINOv2, "--ref", files.ref, "--ref",
                                         files.refDINOv2, "--json", "--weights", inception, "--quiet",
                                         "--max-iterations", "10"] + backbones))
        let fromFiles = try json(try fidviz(["classes", files.gen, files.genDINOv2, "--ref", files.ref, "--ref",
                                             files.refDINOv2, "--json", "--quiet", "--max-iterations", "10"]
                                            + backbones))
        for key in controlKeys {
            let expected = try number(fromFiles, key)
            XCTAssertEqual(try number(mixed, key), expected, accuracy: 1e-12 * expected, key)
        }
    }

    /// Bad input: one line, exit 1, nothing written.
    func testBadInputGetsOneLine() throws {
        let gen = try imageFolder(4, name: "gen"), ref = try imageFolder(5, name: "ref")
        let work = try makeFolder()
        let files = try self.files(gen: gen, ref: ref, in: work)
        let before = try contents(of: work)
        let quiet = ["--quiet", "--max-iterations", "5"]
        // DINOv2 features of other images: another count, or other names.
        let other = work.appendingPathComponent("other-dino.npz").path
        XCTAssertEqual(try fidviz(["features", ref.path, "-o", other, "--backbone", "dinov2-vits14", "--weights", dinov2,
                                   "--quiet"]).status, 0)
        assertFailsWithOneLine(try fidviz(["classes", files.gen, other, "--ref", files.ref, "--ref", files.refDINOv2]
                                          + quiet + backbones),
                               containing: [other, "5 images, but the Inception side has 4"])
        let renamed = work.appendingPathComponent("renamed-dino.npz").path
        var arrays = try Npz.read(contentsOf: URL(fileURLWithPath: files.genDINOv2))
        arrays["files"] = NpyArray(shape: [4], values: .unicode(["a.png", "b.png", "c.png", "d.png"]))
        try NpzFile.write(arrays.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: URL(fileURLWithPath: renamed))
        assertFailsWithOneLine(try fidviz(["classes", files.gen, renamed, "--ref", files.ref, "--ref", files.refDINOv2]
                                          + quiet + backbones),
                               containing: [renamed, "has no row for", "0.png"])
        // Wrong backbones: two Inception files, DINOv2 features under another --backbone, DINOv2
        // statistics as the generated set, a lone DINOv2 backbone, DINOv2 twice.
        assertFailsWithOneLine(try fidviz(["classes", files.gen, files.gen, "--ref", files.ref, "--ref", files.refDINOv2]
                                          + quiet + backbones),
                               containing: ["both hold Inception-v3 features"])
        assertFailsWithOneLine(try fidviz(["classes", files.gen, files.genDINOv2, "--ref", files.ref, "--ref",
                                           files.refDINOv2, "--backbone", "inception,dinov2-vitl14"] + quiet),
                               containing: ["holds DINOv2 ViT-S/14 features", "not one of --backbone inception,dinov2-vitl14"])
        assertFailsWithOneLine(try fidviz(["classes", files.gen, files.refDINOv2, "--ref", files.ref, "--ref",
                                           files.refDINOv2] + quiet + backbones),
                               containing: ["holds DINOv2 ViT-S/14 statistics", "not each image's features"])
        let usage = try fidviz(["classes", files.genDINOv2, "--ref", files.refDINOv2, "--backbone", "dinov2-vits14"]
                               + quiet)
        XCTAssertEqual(usage.status, 64, "\(usage)")
        XCTAssertEqual(usage.stderrLines.count, 1, "\(usage)")
        XCTAssertTrue(usage.stderr.contains("Inception's ImageNet classes; give --backbone inception, or "
                                            + "inception,dinov2-vits14"), usage.stderr)
        assertFailsWithOneLine(try fidviz(["classes", files.gen, files.genDINOv2, "--ref", files.ref, "--ref",
                                           files.refDINOv2, "--aux", files.genDINOv2, "--aux-ref", files.refDINOv2]
                                          + quiet + backbones),
                               containing: ["--aux", "already gives FD_DINOv2"])
        // --aux and --aux-ref of two networks, and Inception features as --aux.
        assertFailsWithOneLine(try fidviz(["classes", files.gen, "--ref", files.ref, "--aux", files.genDINOv2,
                                           "--aux-ref", files.ref] + quiet),
                               containing: ["--aux-ref", "holds Inception-v3 features, but --aux holds DINOv2 ViT-S/14 ones"])
        assertFailsWithOneLine(try fidviz(["classes", files.gen, "--ref", files.ref, "--aux", files.gen,
                                           "--aux-ref", files.ref] + quiet),
                               containing: ["--aux", "the space FID itself measures"])
        XCTAssertEqual(try contents(of: work), (before + ["other-dino.npz", "renamed-dino.npz"]).sorted(),
                       "nothing else may be written")
    }
}
