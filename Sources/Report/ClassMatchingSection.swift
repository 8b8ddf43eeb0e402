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

    /// The sentence the report leads with. How far choosing among the same images lowers FID is
    /// the paper's measure, FID of N images drawn with the pool3 weights (median of the draws),
    /// not the pool3-weighted FID: with fewer images than dimensions the weighted covariance
    /// is no estimate of what a resample reaches, and the headline says so when the two part.
    public var headline: String {
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
        if !a.otherFeatures.isEmpty {
            members["aux"] = .array(a.otherFeatures.map { other in
                .object(["name": .string(other.name), "fd": .number(other.fd),
                         "fd_top1_matched": .optional(other.fdTop1Matched),
                         "fd_topn_matched": .optional(other.fdTopNMatched),
                         "fd_pool3_weighted": .number(other.fdPool3Weighted)])
            })
        }
        return .object(members)
    }
}

