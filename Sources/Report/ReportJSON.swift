import Foundation
import InceptionGraph

// MARK: - report.json

/// The machine-readable report:
///
///     {"fid": 12.3, "n": 50, "gen_source": "...",
///      "images": [{"file", "width", "height", "top1": {"index", "label", "probability"} or null,
///                  "top5": [{...} x 5] or [], "fid_before", "fid_after", "delta_fid", "explained",
///                  (explained images only:) "sensitivity": {"mixed_7c": [[...] x H], ...},
///                  "gradcam_top1": [[...]], "panel": "panels/0001-x.png"}],
///      "classes": [{"index", "label", "count", "delta_fid_sum", "delta_fid_mean"}]}
///
/// Images are in the report's order (`ImageRow.isWorse`), classes by `delta_fid_sum`, largest
/// first. An image without logits has no class: `top1` is null, `top5` empty, and it is in no
/// class's sums. `file` is the exact name, with `file_base64` when it is not UTF-8
/// (`ImagePath.jsonMembers`). Each further feature space adds
/// its own `<key>_before`, `<key>_after` and `delta_<key>`. Maps are [H][W] rows, top row first;
/// `gradcam_top1` is the first layer's. Numbers that are not finite are `null` (`JSONValue`).
public enum ReportJSON {
    public static func document(summary: ReportSummary, rows: [ImageRow], classes: [ClassContribution],
                                layers: [String]) -> JSONValue {
        var top: [String: JSONValue] = [
            "n": .int(summary.n),
            "gen_source": .string(summary.generatedSetDescription),
            "images": .array(rows.map { image($0, layers: layers) }),
            "classes": .array(classes.map(\.json)),
        ]
        for distance in summary.distances { top[distance.space.key] = .number(distance.value) }
        return .object(top)
    }

    static func image(_ row: ImageRow, layers: [String]) -> JSONValue {
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
        }
        if let maps = row.maps {
            var sensitivity: [String: JSONValue] = [:]
            for layer in layers { sensitivity[layer] = maps.sensitivity[layer]?.json ?? .null }
            entry["sensitivity"] = .object(sensitivity)
            if !maps.gradCAMTop1.isEmpty {
                entry["gradcam_top1"] = layers.first.flatMap { maps.gradCAMTop1[$0]?.json } ?? .null
            }
        }
        if let panel = row.panel { entry["panel"] = .string(panel) }
        if let file = row.pixelGradientFile { entry["pixel_gradient"] = .string(file) }
        return .object(entry)
    }
}
