import Foundation
import Frechet
import XCTest
@testable import fidviz

/// The help a user reads first: it must exist, exit 0, and say where the weights come from and
/// how a run looks.
final class HelpTests: FidvizTestCase {
    private func help(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let run = try fidviz(arguments + ["--help"])
        XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
        XCTAssertEqual(run.stderr, "", file: file, line: line)
        return run.stdout
    }

    private func assertMentions(_ text: String, _ fragments: [String], file: StaticString = #filePath,
                                line: UInt = #line) {
        for fragment in fragments {
            XCTAssertTrue(text.contains(fragment), "'\(fragment)' is not in:\n\(text)", file: file, line: line)
        }
    }

    /// Help is wrapped to the terminal width; joining lines makes phrases searchable.
    private func unwrapped(_ text: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    func testTopLevelHelpGivesTheWeightsSearchOrderAndExamples() throws {
        let text = unwrapped(try help([]))
        assertMentions(text, ["USAGE: fidviz <subcommand>", "features", "weights",
                              "--weights PATH, $FIDVIZ_WEIGHTS, ~/.cache/fidviz, then torch hub's cache",
                              "fidviz weights download", "fidviz features samples/reference -o feats.npz --json",
                              "--shard I/K", "fidviz merge", "merge"])
    }

    func testFeaturesHelpGivesAnExampleAndTheWeightsDefault() throws {
        let text = unwrapped(try help(["features"]))
        assertMentions(text, ["USAGE: fidviz features", "-o, --output <file>", "--weights <path>", "--json",
                              "Default: $FIDVIZ_WEIGHTS, then the fidviz and torch hub caches.",
                              "Examples: fidviz features samples/reference -o feats.npz --json",
                              "--shard <I/K>", "fidviz merge"])
    }

    func testStatsHelpExplainsShardsAndADMBatches() throws {
        let text = unwrapped(try help(["stats"]))
        assertMentions(text, ["--shard <I/K>", "0-based: 0 <= I < K", "images [I*N/K, (I+1)*N/K)",
                              "$JOB_COMPLETION_INDEX", "fidviz merge", "shard_index", "weights_sha256",
                              "VIRTUAL_imagenet256_labeled.npz", "keeps the batch's own `mu` and `sigma`"])
    }

    func testMergeHelpGivesTheRulesAndExamples() throws {
        let text = unwrapped(try help(["merge"]))
        assertMentions(text, ["USAGE: fidviz merge <shards> ... --output <file>", "Chan et al.", "in float64",
                              "concatenated in slice order", "a slice given twice; a slice missing",
                              "Examples: fidviz stats reference/ --shard 0/2 -o ref-0.npz",
                              "fidviz merge ref-0.npz ref-1.npz -o ref.npz"])
    }

    func testDownloadHelpGivesTheSearchOrderAndTheMirrorVariable() throws {
        let text = unwrapped(try help(["weights", "download"]))
        assertMentions(text, ["USAGE: fidviz weights download", "6726825d", "$FIDVIZ_WEIGHTS, its own cache, then "
                              + "torch hub's cache", "$FIDVIZ_WEIGHTS_URL", "--weights PATH",
                              "fidviz weights download"])
    }

    /// `--version` prints the one version the source defines, `FidvizVersion.string`, which is
    /// also the one every file's `fidviz` string records; it is MAJOR.MINOR.PATCH.
    func testVersionIsPrinted() throws {
        let version = FidvizVersion.string
        let run = try fidviz(["--version"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stderr, "")
        XCTAssertEqual(run.stdout, version + "\n")
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 3, version)
        XCTAssertTrue(parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("0" ... "9").contains($0) } }, version)
        let origin = FeatureOrigin(weightsSHA256: String(repeating: "0", count: 64), preprocessing: Backbone.inception.preprocessing,
                                   backbone: "inception")
        let recorded = Provenance.text(origin: origin, weightsName: nil, contents: "pool3 of 2 images", shard: nil)
        XCTAssertTrue(recorded.hasPrefix("fidviz \(version); "), recorded)
    }
}
