import Foundation
import Frechet
import Heatmap
import InceptionGraph
import Pixels

// MARK: - How much of FID is ImageNet classes

/// The class-matching section of a report: one run's numbers (`ClassMatching.Analysis`) with
/// what the report needs to show them (the set sizes, each generated image's Top-1 class and
/// source, and the lines saying why a matching was left out). `fidviz classes` prints its
/// `text` or `json`; `write(to:)` draws it for `fidviz classes -o` and the explain report.
public struct ClassMatchingSection: Sendable {
    public var analysis: ClassMatching.Analysis
    public var generatedCount: Int
    /// nil when the reference statistics do not record their number of images.
    public var referenceCount: Int?
    public var topN: Int
    /// Each generated image's Top-1 class, in the rows' order (nil without logits).
    public var generatedTop1: [Int]?
    public var referenceHistogram: [Int64]?
    /// Where each generated image can be read, for the weight grids (nil: no images to show).
    public var images: [ImagePath]?
    /// One line for each matching that could not be computed, and why.
    public var notes: [String]

    public init(analysis: ClassMatching.Analysis, generatedCount: Int, referenceCount: Int?, topN: Int,
                generatedTop1: [Int]?, referenceHistogram: [Int64]?, images: [ImagePath]?, notes: [String]) {
        self.analysis = analysis
        self.generatedCount = generatedCount
        self.referenceCount = referenceCount
        self.topN = topN
        self.generatedTop1 = generatedTop1
        self.referenceHistogram = referenceHistogram
        self.images = images
        self.notes = notes
    }

    /// An effective sample size below this is too few images to trust the weighted FID.
    public var lowEffectiveSampleSize: Double { Double(generatedCount) / 10 }

    /// What the report leads with: with a space beside pool3 (FD_DINOv2), `controlHeadline`
    /// first, then `classesHeadline`.
    public var headline: String {
        [controlHeadline, classesHeadline].compactMap { $0 }.joined(separator: " ")
    }

    /// The sentence on FID alone. How far choosing among the same images lowers FID is
    /// the paper's measure, FID of N images drawn with the pool3 weights (median of the draws),
    /// not the pool3-weighted FID: with fewer images than dimensions the weighted covariance
    /// is no estimate of what a resample reaches, and the headline says so when the two part.
    public var classesHeadline: String {
        let a = analysis
        let resampled = a.fidPool3Resampled.median
        var choosing: String
        if resampled < a.fid {
            choosing = "drawing \(generatedCount) of the same images with the pool3 weights, without changing any, "
                + "lowers it by \(Self.percent(1 - resampled / a.fid)) (median of \(a.fidPool3Resampled.values.count) "
                + "resamples, the paper's measure)"
        } else {
            choosing = "drawing \(generatedCount) of the same images with the pool3 weights does not lower it "
                + "(median of \(a.fidPool3Resampled.values.count) resamples: \(NumberText.fixed(resampled, digits: 3)) "
                + "against \(NumberText.fixed(a.fid, digits: 3)))"
        }
        if resampled >= a.fid || generatedCount < a.dimension {
            choosing += "; the pool3-weighted FID, \(NumberText.fixed(a.fidPool3Weighted, digits: 3)), is no estimate "
                + "of what a resample reaches"
                + (generatedCount < a.dimension
                    ? " with \(generatedCount) images in \(a.dimension) dimensions (its covariance is singular)" : "")
        }
        guard let explained = a.explainedByTop1 else {
            return "Of this FID, " + choosing + ". The reference records no ImageNet classes, so the share due to "
                + "Top-1 class mismatch is unknown."
        }
        // Below half of the 0.1% the sentence shows, the share is rounding, not class mismatch.
        if explained < 0.0005 {
            return "None of this FID is ImageNet Top-1 class mismatch (matching the reference's class histogram "
                + "does not lower it); " + choosing + "."
        }
        return "\(Self.percent(explained)) of this FID is ImageNet Top-1 class mismatch; " + choosing + "."
    }

    public static func percent(_ share: Double) -> String { NumberText.fixed(share * 100, digits: 1) + "%" }

    /// `value` against `base` as a signed percentage ("-31.0%", "+2.5%"); a change under 0.05%
    /// reads "0.0%".
    public static func change(_ value: Double, from base: Double) -> String {
        let c = value / base - 1
        guard c.isFinite else { return "n/a" }
        return abs(c) < 0.0005 ? "0.0%" : (c > 0 ? "+" : "") + percent(c)
    }

    // MARK: - The paper's control

    /// The paper's control in one sentence (`controlSentence`), from the first space beside
    /// pool3 (FD_DINOv2 when there is one): what Top-1 matching does to FID and to the distance
    /// there, or without classes, what drawing the images with the pool3 weights does (the
    /// medians of the same resamples). nil without such a space.
    public var controlHeadline: String? {
        guard let other = analysis.otherFeatures.first else { return nil }
        let a = analysis
        if let fid = a.fidTop1Matched, let fd = other.fdTop1Matched {
            return Self.controlSentence(matching: "Top-1 matching", cause: "ImageNet classes", fid: (a.fid, fid),
                                        other: (other.space.distanceName, other.fd, fd))
        }
        return Self.controlSentence(matching: "Drawing the images with the pool3 weights",
                                    cause: "what Inception's features alone see", fid: (a.fid, a.fidPool3Resampled.median),
                                    other: (other.space.distanceName, other.fd, other.fdPool3Resampled.median))
    }

    /// "<matching> lowers FID by 31.0% and FD_DINOv2 by 2.0%: the gain is <cause>, not quality."
    /// The relative drops are d = 1 - after/before of each distance (under 0.05% counts as no
    /// change). When FID drops, the other space's drop against FID's, r = d_other / d_FID, says
    /// what the gain is: r <= 1/4 (or the other distance rises) the cause and not quality;
    /// r >= 3/4 not only the cause, the other space sees it too; in between, partly the cause.
    /// When FID does not drop, the sentence gives both changes and draws no conclusion.
    public static func controlSentence(matching: String, cause: String, fid: (before: Double, after: Double),
                                       other: (name: String, before: Double, after: Double)) -> String {
        let fidDrop = 1 - fid.after / fid.before, otherDrop = 1 - other.after / other.before
        let negligible = 0.0005
        guard fidDrop >= negligible else {
            return "\(matching) does not lower FID (\(change(fid.after, from: fid.before))); \(other.name) changes by "
                + "\(change(other.after, from: other.before))."
        }
        var sentence = "\(matching) lowers FID by \(percent(fidDrop))"
        if otherDrop >= negligible {
            sentence += " and \(other.name) by \(percent(otherDrop))"
        } else if otherDrop <= -negligible {
            sentence += " but raises \(other.name) by \(percent(-otherDrop))"
        } else {
            sentence += " but leaves \(other.name) unchanged"
        }
        let ratio = otherDrop / fidDrop
        if !(ratio > 0.25) {
            return sentence + ": the gain is \(cause), not quality."
        }
        if ratio >= 0.75 {
            return sentence + ": the gain is not only \(cause), \(other.name) sees it too."
        }
        return sentence + ": the gain is partly \(cause), and \(other.name) sees part of it."
    }
}

// MARK: - JSON

extension ClassMatchingSection {
    /// The numbers as `fidviz classes --json` prints them (and report.json's `class_matching`).
    public var json: JSONValue {
        let a = analysis
        var members: [String: JSONValue] = [
            "fid": .number(a.fid),
            "fid_top1_matched": .optional(a.fidTop1Matched),
            "explained_top1": .optional(a.explainedByTop1),
            "ess_top1": .optional(a.top1?.effectiveSampleSize),
            "unmatched_reference_mass": .optional(a.unmatchedReferenceMass),
            "fid_topn_matched": .optional(a.fidTopNMatched),
            "ess_topn": .optional(a.topN?.optimization.effectiveSampleSize),
            "top_n": .int(topN),
            "fid_pool3_weighted": .number(a.fidPool3Weighted),
            "fid_pool3_resampled": .number(a.fidPool3Resampled.median),
            "fid_pool3_resampled_draws": .array(a.fidPool3Resampled.values.map(JSONValue.number)),
            "ess_pool3": .number(a.pool3Weighted.effectiveSampleSize),
            "pool3_optimizer": .object([
                "iterations": .int(a.pool3Weighted.iterations),
                "converged": .bool(a.pool3Weighted.converged),
                "stop_reason": .string(a.pool3Weighted.reason.rawValue),
                "frank_wolfe_gap": .number(a.pool3Weighted.frankWolfeGap),
            ]),
            "fd_logits": .optional(a.fdLogits),
            "fd_logits_top1_matched": .optional(a.fdLogitsTop1Matched),
            "n_gen": .int(generatedCount),
            "n_ref": .optional(referenceCount),
            "headline": .string(headline),
            "notes": .array(notes.map(JSONValue.string)),
        ]
        for other in a.otherFeatures {
            switch other.space {
            case .known(let space):
                let key = space.key
                members[key] = .number(other.fd)
                members[key + "_top1_matched"] = .optional(other.fdTop1Matched)
                members[key + "_topn_matched"] = .optional(other.fdTopNMatched)
                members[key + "_pool3_weighted"] = .number(other.fdPool3Weighted)
                members[key + "_pool3_resampled"] = .number(other.fdPool3Resampled.median)
                members[key + "_pool3_resampled_draws"] = .array(other.fdPool3Resampled.values.map(JSONValue.number))
            case .named:
                break
            }
        }
        let named = a.otherFeatures.filter { if case .named = $0.space { return true } else { return false } }
        if !named.isEmpty {
            members["aux"] = .array(named.map { other in
                .object(["name": .string(other.space.description), "fd": .number(other.fd),
                         "fd_top1_matched": .optional(other.fdTop1Matched),
                         "fd_topn_matched": .optional(other.fdTopNMatched),
                         "fd_pool3_weighted": .number(other.fdPool3Weighted),
                         "fd_pool3_resampled": .number(other.fdPool3Resampled.median)])
            })
        }
        return .object(members)
    }
}

