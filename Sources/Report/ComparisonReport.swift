import Foundation
import Frechet
import Heatmap
import InceptionGraph

// MARK: - Runs compared, as numbers

/// What `fidviz compare` reports: `RunComparison`'s numbers with the names and notes a reader
/// needs, as text, JSON (`compare.json`, exactly the keys `sets` and `pairs`; `report.json`,
/// every number), CSV (`compare.csv` one line per set, `pairs.csv` one per pair) and a report
/// folder (`write`).
///
/// Keys are named for the space (`FeatureSpace.key`): for Inception pool3 `fid`, `fid_ci95`,
/// `fid_inf`, `delta_fid`, `delta_fid_ci95`; for DINOv2 `fd_dinov2`, ...; `fd`, ... for features of
/// an unrecorded network. An interval is [lower, upper]; a number that could not be computed is null.
public struct ComparisonReport: Sendable {
    public var comparison: RunComparison
    /// The space of the features, nil for features of a network no file records.
    public var space: FeatureSpace?
    /// How the reference was named, and where its statistics came from.
    public var referenceName: String
    public var referenceProvenance: String
    /// One line for each thing left out, and why.
    public var notes: [String]

    /// Classes listed per pair as those whose Top-1 share changed most.
    public static let changedClasses = 5

    public init(comparison: RunComparison, space: FeatureSpace?, referenceName: String, referenceProvenance: String,
                notes: [String]) {
        self.comparison = comparison
        self.space = space
        self.referenceName = referenceName
        self.referenceProvenance = referenceProvenance
        self.notes = notes
    }

    /// The second space's distances are named for DINOv2 (`fd_dinov2`, `fd_dinov2_ci95`).
    static let secondSpace = FeatureSpace.dinov2
    /// Whether any set has a distance in the second space.
    var hasSecond: Bool { comparison.sets.contains { $0.secondDistance != nil } }

    var key: String { space?.key ?? "fd" }
    /// "FID", "FD_DINOv2" or "FD".
    var name: String { space?.name ?? "FD" }

    // MARK: - JSON

    private static func interval(_ interval: BootstrapInterval?) -> JSONValue {
        interval.map { .array([.number($0.lower), .number($0.upper)]) } ?? .null
    }

    private func setJSON(_ set: RunComparison.SetResult) -> [String: JSONValue] {
        var members: [String: JSONValue] = [
            "label": .string(set.label), "n": .optional(set.n), key: .number(set.fid),
            "\(key)_ci95": Self.interval(set.fidInterval), "\(key)_inf": .optional(set.fdInfinity?.intercept),
            "kid_mean": .optional(set.kid?.mean), "kid_std": .optional(set.kid?.standardDeviation),
            "fid_top1_matched": .optional(set.fidTop1Matched), "explained_top1": .optional(set.explainedTop1),
        ]
        if hasSecond {
            let second = Self.secondSpace.key
            members[second] = .optional(set.secondDistance)
            members["\(second)_ci95"] = Self.interval(set.secondInterval)
        }
        return members
    }

    private func pairJSON(_ pair: RunComparison.PairResult) -> [String: JSONValue] {
        [
            "a": .string(comparison.sets[pair.a].label), "b": .string(comparison.sets[pair.b].label),
            "delta_\(key)": .number(pair.deltaFID), "delta_\(key)_ci95": Self.interval(pair.deltaInterval),
            "verdict": pair.verdict.map { .string($0.rawValue) } ?? .null,
            "delta_explained_by_top1": .optional(pair.deltaExplainedByTop1),
        ]
    }

    /// compare.json and `--json`: `sets` and `pairs`, with the issue's keys and no others (plus
    /// `fd_dinov2` and `fd_dinov2_ci95` per set when DINOv2 features were given).
    public var json: JSONValue {
        .object(["sets": .array(comparison.sets.map { .object(setJSON($0)) }),
                 "pairs": .array(comparison.pairs.map { .object(pairJSON($0)) })])
    }

    /// report.json: compare.json's numbers plus how they were made (the interval method, the
    /// replicates and seed, each set's FD_infinity fit and KID subsets, each pair's Top-1 matched
    /// ΔFID and most changed classes) and the notes.
    public var reportJSON: JSONValue {
        let options = comparison.options
        let sets: [JSONValue] = comparison.sets.map { set in
            var members = setJSON(set)
            if let fit = set.fdInfinity {
                members["\(key)_inf_fit"] = .object([
                    "sizes": .array(fit.sizes.map(JSONValue.int)), "distances": .array(fit.distances.map(JSONValue.number)),
                    "intercept": .number(fit.intercept), "slope": .number(fit.slope)])
            }
            if let kid = set.kid {
                members["kid_subsets"] = .int(kid.subsetValues.count)
                members["kid_subset_size"] = .int(kid.subsetSize)
            }
            if let top1 = set.top1 { members["ess_top1"] = .number(top1.effectiveSampleSize) }
            return .object(members)
        }
        let pairs: [JSONValue] = comparison.pairs.map { pair in
            var members = pairJSON(pair)
            members["delta_fid_top1_matched"] = .optional(pair.deltaTop1Matched)
            members["top1_share_changes"] = .array(shareChanges(pair).map { change in
                .object(["class": .int(change.index), "label": .string(ImageNetLabels.label(change.index)),
                         "share_a": .number(change.a), "share_b": .number(change.b)])
            })
            return .object(members)
        }
        return .object([
            "sets": .array(sets), "pairs": .array(pairs), "space": .string(name),
            "reference": .string(referenceName), "reference_provenance": .string(referenceProvenance),
            "interval": .object([
                "method": .string(BootstrapInterval.method), "confidence": .number(options.confidence),
                "replicates": .int(options.bootstrap.replicates), "seed": .int(Int(truncatingIfNeeded: options.bootstrap.seed)),
                "reference_resampled": .bool(comparison.referenceResampled),
                "covers": .string(Self.coverage)]),
            "notes": .array(notes.map(JSONValue.string)),
        ])
    }

    /// What the intervals do and do not cover, as the report says it.
    public static let coverage = "The intervals cover the sampling of images: another draw of the same number of "
        + "generated images (and of reference images, when the reference was resampled) from the same model. They do "
        + "not cover the choice of network, its weights or preprocessing, nor the model's training randomness (another "
        + "seed or checkpoint of the same recipe)."

    /// The classes whose Top-1 share changed most from a to b (largest |share_b - share_a| first).
    public func shareChanges(_ pair: RunComparison.PairResult) -> [(index: Int, a: Double, b: Double)] {
        guard let a = comparison.sets[pair.a].top1Shares, let b = comparison.sets[pair.b].top1Shares else { return [] }
        return a.indices.filter { a[$0] != b[$0] }
            .sorted { abs(b[$0] - a[$0]) != abs(b[$1] - a[$1]) ? abs(b[$0] - a[$0]) > abs(b[$1] - a[$1]) : $0 < $1 }
            .prefix(Self.changedClasses).map { ($0, a[$0], b[$0]) }
    }

    // MARK: - CSV

    /// compare.csv: one line per set, the columns of compare.json's `sets` (an interval as two
    /// columns, `_lo` and `_hi`).
    public var setsCSV: String {
        let second = Self.secondSpace.key
        let header = ["label", "n", key, "\(key)_ci95_lo", "\(key)_ci95_hi", "\(key)_inf", "kid_mean", "kid_std",
                      "fid_top1_matched", "explained_top1"]
            + (hasSecond ? [second, "\(second)_ci95_lo", "\(second)_ci95_hi"] : [])
        var lines = [header.joined(separator: ",")]
        for set in comparison.sets {
            var fields = [ImagesCSV.field(set.label), set.n.map(String.init) ?? "", ImagesCSV.number(set.fid),
                          Self.number(set.fidInterval?.lower), Self.number(set.fidInterval?.upper),
                          Self.number(set.fdInfinity?.intercept), Self.number(set.kid?.mean),
                          Self.number(set.kid?.standardDeviation), Self.number(set.fidTop1Matched),
                          Self.number(set.explainedTop1)]
            if hasSecond {
                fields += [Self.number(set.secondDistance), Self.number(set.secondInterval?.lower),
                           Self.number(set.secondInterval?.upper)]
            }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// pairs.csv: one line per pair, the columns of compare.json's `pairs`.
    public var pairsCSV: String {
        let header = ["a", "b", "delta_\(key)", "delta_\(key)_ci95_lo", "delta_\(key)_ci95_hi", "verdict",
                      "delta_explained_by_top1"]
        var lines = [header.joined(separator: ",")]
        for pair in comparison.pairs {
            let fields = [ImagesCSV.field(comparison.sets[pair.a].label), ImagesCSV.field(comparison.sets[pair.b].label),
                          ImagesCSV.number(pair.deltaFID), Self.number(pair.deltaInterval?.lower),
                          Self.number(pair.deltaInterval?.upper), pair.verdict?.rawValue ?? "",
                          Self.number(pair.deltaExplainedByTop1)]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func number(_ value: Double?) -> String { value.map(ImagesCSV.number) ?? "" }

    // MARK: - Text

    /// The sentence for one pair: "b is better than a (95% interval of ΔFID excludes 0)".
    public func sentence(_ pair: RunComparison.PairResult) -> String {
        let (a, b) = (comparison.sets[pair.a].label, comparison.sets[pair.b].label)
        let level = NumberText.fixed(comparison.options.confidence * 100, digits: 0) + "%"
        switch pair.verdict {
        case .better?: return "\(b) is better than \(a) (\(level) interval of Δ\(name) lies below 0)"
        case .worse?: return "\(b) is worse than \(a) (\(level) interval of Δ\(name) lies above 0)"
        case .indistinguishable?:
            let n = [comparison.sets[pair.a].n, comparison.sets[pair.b].n].compactMap { $0 }.map(String.init)
            return "\(b) and \(a) are indistinguishable at N = \(n.joined(separator: " and ")) (\(level) interval of "
                + "Δ\(name) contains 0)"
        case nil: return "\(b) against \(a): no interval (a set given as statistics has no images to resample)"
        }
    }

    /// The plain-text summary `fidviz compare` prints without --json.
    public var text: String {
        func number(_ value: Double?) -> String { value.map { NumberText.fixed($0, digits: 3) } ?? "n/a" }
        func range(_ interval: BootstrapInterval?) -> String {
            interval.map { "[\(number($0.lower)), \(number($0.upper))]" } ?? "(no interval)"
        }

        var lines: [String] = []
        for set in comparison.sets {
            var parts = ["\(set.label): \(name) \(number(set.fid)) \(range(set.fidInterval))"]
            if let infinity = set.fdInfinity { parts.append("\(name)∞ \(number(infinity.intercept))") }
            if let kid = set.kid {
                parts.append("KID \(NumberText.short(kid.mean)) ± \(NumberText.short(kid.standardDeviation))")
            }
            if let matched = set.fidTop1Matched, let explained = set.explainedTop1 {
                parts.append("Top-1 matched \(number(matched)) (\(ClassMatchingSection.percent(explained)) classes)")
            }
            if let second = set.secondDistance {
                parts.append("\(Self.secondSpace.name) \(number(second)) \(range(set.secondInterval))")
            }
            lines.append(parts.joined(separator: ", "))
        }
        for pair in comparison.pairs {
            var line = "Δ\(name) \(comparison.sets[pair.a].label) → \(comparison.sets[pair.b].label): "
                + "\(NumberText.signed(pair.deltaFID)) \(range(pair.deltaInterval)): \(sentence(pair))"
            if let explained = pair.deltaExplainedByTop1, pair.verdict == .better || pair.verdict == .worse {
                line += "; Top-1 class matching explains \(ClassMatchingSection.percent(explained)) of it"
            }
            lines.append(line)
        }
        lines.append("Intervals: \(BootstrapInterval.method), \(comparison.options.bootstrap.replicates) replicates"
            + (comparison.referenceResampled ? ", reference resampled" : ", reference fixed") + ".")
        return lines.joined(separator: "\n")
    }
}
