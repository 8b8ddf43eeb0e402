import Autograd
import Heatmap
import InceptionGraph
import Pixels
import Sensitivity

// MARK: - Phase 2 with --faithfulness: ROAD curves of every Inception map

extension ExplainRun {
    /// ROAD's seed: the random orders and the imputation noise of every image come from it, so a
    /// run's curves are the same on every run.
    static let roadSeed: UInt64 = 2022

    /// Each Inception map's ROAD curves for one explained image (`ROAD`), on the network's input:
    /// the image resized to 299 x 299 as the network resizes it, in [0, 1]. Each map is
    /// upsampled to 299 x 299 by the figures' Lanczos-3 (`SpatialMap.resampledLanczos3`, without
    /// the figures' clamp, which would tie the largest values) before its pixels are ranked. The
    /// targets come from one forward pass per perturbed image: the image's ΔFID in the set it
    /// joins (`space.evaluator`) and the logit of its original Top-1 class.
    func faithfulness(of image: RGBImage, maps: ImageMaps, logits: [Float], space: MeasuredSpace,
                      network: InceptionV3) -> [MapName: ROADCurves] {
        let named = maps.named(layers: settings.layers.map(\.rawValue))
        let needed = Set(named.map { Self.roadTarget(of: $0.name) })
        guard !named.isEmpty else { return [:] }
        let targets = ROADTarget.allCases.filter(needed.contains)
        let size = InceptionArchitecture.inputSize
        let input = ImagePreprocessing.resizedInput(of: image)
        let top1 = ClassScore.top1Index(logits: logits)
        let classes = InceptionArchitecture.classCount
        let road = ROAD(pixels: input.data, channels: 3, height: size, width: size, seed: Self.roadSeed,
                        targets: targets) { batch, count in
            let out = network(Tensor(shape: [count, 3, size, size], data: batch))
            let d = out.pool3.count / count
            return (0 ..< count).map { b in
                targets.map { target -> Double in
                    switch target {
                    case .deltaFID:
                        let feature = out.pool3.data[b * d ..< (b + 1) * d].map(Double.init)
                        return space.evaluator.evaluate(feature, gradient: false).deltaFID
                    case .top1Logit:
                        return Double(out.logits.data[b * classes + top1])
                    }
                }
            }
        }
        var result: [MapName: ROADCurves] = [:]
        for (name, map) in named {
            result[name] = road.curves(ranking: map.resampledLanczos3(width: size, height: size),
                                       target: Self.roadTarget(of: name))
        }
        return result
    }

    /// The target ROAD watches for a map: ΔFID for the sensitivity maps and the CAMs of ΔFID,
    /// the Top-1 logit for the Top-1 CAMs.
    static func roadTarget(of name: MapName) -> ROADTarget {
        name.kind.hasSuffix("_" + CAMTarget.top1.rawValue) ? .top1Logit : .deltaFID
    }
}
