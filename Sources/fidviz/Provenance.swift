import Frechet
import InceptionGraph

/// How fidviz records where its statistics and features came from: the `fidviz` string for
/// people, and the `FeatureOrigin` keys (`weights_sha256`, `preprocessing`) that `fidviz merge`
/// compares.
enum Provenance {
    /// The origin of features computed with `weights`: their hash, the backbone's preprocessing,
    /// and the backbone. Inception's files record none, as before there was a choice (a file
    /// without `backbone` is Inception's), so they merge with earlier fidviz files.
    static func origin(_ weights: LoadedModel) -> FeatureOrigin {
        FeatureOrigin(weightsSHA256: weights.sha256, preprocessing: weights.backbone.preprocessing,
                      backbone: weights.backbone == .inception ? nil : weights.backbone.rawValue)
    }

    /// The `fidviz` string: version, weights (file name when known, SHA-256 prefix, whether they
    /// are the official ones), preprocessing, then `contents` (e.g. "pool3 of 100 images") and
    /// the shard, if any.
    static func text(origin: FeatureOrigin, weightsName: String?, contents: String, shard: ShardRecord?) -> String {
        let backbone = origin.backbone.flatMap(Backbone.init(rawValue:)) ?? .inception
        var weights = (weightsName.map { $0 + " " } ?? "") + "SHA-256 \(origin.weightsSHA256.prefix(8))"
        if let published = backbone.weightsFile.sha256Prefix {
            weights += origin.weightsSHA256.hasPrefix(published) ? " (official FID weights)" : " (NOT the official FID weights)"
        } else {
            weights = "\(backbone.displayName) " + weights
        }
        let slice = shard.map { "; images \($0.range.lowerBound)..<\($0.range.upperBound) of \($0.total): shard \($0.slice)" } ?? ""
        return "fidviz \(FidvizVersion.string); weights \(weights); preprocessing \(origin.preprocessing); \(contents)\(slice)"
    }

    /// The `fidviz` string of statistics of `count` images.
    static func statistics(_ weights: LoadedModel, count: Int, shard: ShardRecord?) -> String {
        text(origin: origin(weights), weightsName: weights.weightsFile.lastPathComponent,
             contents: statisticsContents(count: count, features: weights.backbone.featuresName), shard: shard)
    }

    /// What a statistics file holds, for its `fidviz` string; `source` says where the images were
    /// when that is not a list of files (e.g. "arr_0 of batch.npz").
    static func statisticsContents(count: Int, source: String? = nil, features: String = "pool3") -> String {
        "\(features) of \(count) images" + (source.map { " (\($0))" } ?? "")
            + "; mu and sigma in float64, sigma with the N-1 denominator"
    }
}
