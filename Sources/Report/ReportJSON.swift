import Foundation
import InceptionGraph
import Sensitivity

// MARK: - report.json

/// The machine-readable report:
///
///     {"fid": 12.3, "n": 50, "gen_source": "...",
///      "images": [{"file", "width", "height", "top1": {"index", "label", "probability"} or null,
///                  "top5": [{...} x 5] or [], "fid_before", "fid_after", "delta_fid", "explained",
///                  (explained images only:) "sensitivity": {"mixed_7c": [[...] x H], ...},
///                  "gradcam_top1": [[...]], (with --cam, each CAM kind's key: "hirescam_delta_fid", ...)
///                  (with --faithfulness:) "faithfulness": {"sensitivity": {"mixed_7c": ROAD}, "gradcam_top1": {...}},
///                  "panel": "panels/0001-x.png"}],
///      "classes": [{"index", "label", "count", "delta_fid_sum", "delta_fid_mean"}]}
///
/// Images are in the report's order (`ImageRow.isWorse`), classes by `delta_fid_sum`, largest
/// first. An image without logits has no class: `top1` is null, `top5` empty, and it is in no
/// class's sums. `file` is the exact name, with `file_base64` when it is not UTF-8
/// (`ImagePath.jsonMembers`). Each further feature space adds its own `<key>_before`,
/// `<key>_after` and `delta_<key>`, and the set's distance under its key (`fd_dinov2`); with two
/// spaces each image also has `rank_<key>` per space (1 = worst) and `disagreement`
/// (`rank_fd_dinov2/N - rank_fid/N`), and the document `agreement` and `classes_two_spaces`. Maps are [H][W] rows, top row first;
/// `gradcam_top1` and every CAM kind's key (`<method>_<target>`) are the first layer's. A ROAD
/// entry is {"target": "delta_fid" or "top1_logit", "fractions": [0, 0.1, ..., 0.9], "morf",
/// "lerf", "random": the target's value after each step (index 0: the unperturbed image),
/// "score"} (`ROADCurves`). Numbers that are not finite are `null` (`JSONValue`).
public enum ReportJSON {
    /// The document; `agreement` and `twoSpaceClasses` (when there are two spaces, or people's
    /// scores) add `agreement` and `classes_two_spaces`, and `humanScores` each image's
    /// `human_score`.
    public static func document(summary: ReportSummary, rows: [ImageRow], classes: [ClassContribution],
                                layers: [String], agreement: ReportAgreement? = nil,
                                twoSpaceClasses: [TwoSpaceClass] = [], humanScores: Bool = false) -> JSONValue {
        var top: [String: JSONValue] = [
            "n": .int(summary.n),
            "gen_source": .string(summary.generatedSetDescription),
            "images": .array(rows.map { image($0, layers: layers, humanScores: humanScores) }),
            "classes": .array(classes.map(\.json)),
        ]
        for distance in summary.distances { top[distance.space.key] = .number(distance.value) }
        if let agreement { top["agreement"] = agreement.json }
        if let spaces = agreement?.spaces {
            top["classes_two_spaces"] = .array(twoSpaceClasses.map { $0.json(a: spaces.a, b: spaces.b) })
        }
        return .object(top)
    }

    static func image(_ row: ImageRow, layers: [String], humanScores: Bool = false) -> JSONValue {
        var entry: [String: JSONValue] = row.file.jsonMembers.merging([
            "width": .int(row.width),
            "height": .int(row.height),
            "top1": row.top1?.json ?? .null,
            "top5": .array(row.top5.map(\.json)),
            "explained": .bool(row.maps != nil),
        ]) { $1 }
        for distance in row.distances {
            let key = distance.space.key
            entry["\(key)_before"] = .number(distance.before)
            entry["\(key)_after"] = .number(distance.after)
            entry["delta_\(key)"] = .number(distance.delta)
            if let rank = distance.rank { entry["rank_\(key)"] = .int(rank) }
        }
        if let disagreement = row.disagreement { entry["disagreement"] = .number(disagreement) }
        if humanScores { entry["human_score"] = .optional(row.humanScore) }
        if let maps = row.maps {
            var sensitivity: [String: JSONValue] = [:]
            for layer in layers { sensitivity[layer] = maps.sensitivity[layer]?.json ?? .null }
            entry["sensitivity"] = .object(sensitivity)
            for (kind, perLayer) in maps.cams {
                entry[kind.key] = layers.first.flatMap { perLayer[$0]?.json } ?? .null
            }
            if !maps.faithfulness.isEmpty {
                var byKind: [String: [String: JSONValue]] = [:]
                for (name, curves) in maps.faithfulness { byKind[name.kind, default: [:]][name.layer] = curves.json }
                entry["faithfulness"] = .object(byKind.mapValues { .object($0) })
            }
        }
        if let panel = row.panel { entry["panel"] = .string(panel) }
        if let file = row.pixelGradientFile { entry["pixel_gradient"] = .string(file) }
        return .object(entry)
    }
}

extension ROADCurves {
    /// report.json's ROAD entry.
    var json: JSONValue {
        .object([
            "target": .string(target.rawValue),
            "fractions": .array(fractions.map(JSONValue.number)),
            "morf": .array(morf.map(JSONValue.number)),
            "lerf": .array(lerf.map(JSONValue.number)),
            "random": .array(random.map(JSONValue.number)),
            "score": .optional(score),
        ])
    }
}
