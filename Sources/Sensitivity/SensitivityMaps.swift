import Pixels

/// Channel-weighted sums of an activation A [C, H, W] given d(objective)/dA [C, H, W].
public enum SensitivityMaps {
    /// Kynkäänniemi et al.'s FID sensitivity map: sum_k w_k A_k with w_k = mean_ij (dFID/dA_kij)^2.
    /// No ReLU: the map may be negative where activations are (they are ReLU outputs here, so >= 0).
    public static func fidSensitivity(activation: [Float], gradient: [Float], channels: Int,
                                      height: Int, width: Int) -> SpatialMap {
        weightedSum(activation: activation, gradient: gradient, channels: channels, height: height, width: width,
                    weight: { $0 * $0 }, rectify: false)
    }

    /// The same map over token-major activations (a vision transformer's patch tokens):
    /// `patchTokens` and `gradient` are [H * W, C], token (i, j) at row i * W + j.
    public static func fidSensitivityOverTokens(_ patchTokens: [Float], gradient: [Float], channels: Int,
                                                height: Int, width: Int) -> SpatialMap {
        let plane = height * width
        precondition(patchTokens.count == plane * channels && gradient.count == plane * channels,
                     "tokens \(patchTokens.count) / gradient \(gradient.count) values for [\(plane), \(channels)]")
        func channelMajor(_ tokens: [Float]) -> [Float] {
            var planar = [Float](repeating: 0, count: tokens.count)
            for p in 0 ..< plane {
                for k in 0 ..< channels { planar[k * plane + p] = tokens[p * channels + k] }
            }
            return planar
        }
        return fidSensitivity(activation: channelMajor(patchTokens), gradient: channelMajor(gradient),
                              channels: channels, height: height, width: width)
    }

    /// Grad-CAM (Selvaraju et al.): ReLU(sum_k w_k A_k) with w_k = mean_ij d(logit)/dA_kij.
    public static func gradCAM(activation: [Float], gradient: [Float], channels: Int,
                               height: Int, width: Int) -> SpatialMap {
        weightedSum(activation: activation, gradient: gradient, channels: channels, height: height, width: width,
                    weight: { $0 }, rectify: true)
    }

    /// sum_k (mean_ij weight(g_kij)) * A_k, accumulated in Double; optionally clipped at 0.
    static func weightedSum(activation: [Float], gradient: [Float], channels: Int, height: Int, width: Int,
                            weight: (Double) -> Double, rectify: Bool) -> SpatialMap {
        let plane = height * width
        precondition(activation.count == channels * plane && gradient.count == channels * plane,
                     "activation \(activation.count) / gradient \(gradient.count) values for [\(channels), \(height), \(width)]")
        var sum = [Double](repeating: 0, count: plane)
        for k in 0 ..< channels {
            var w = 0.0
            for p in 0 ..< plane { w += weight(Double(gradient[k * plane + p])) }
            w /= Double(plane)
            if w == 0 { continue }
            for p in 0 ..< plane { sum[p] += w * Double(activation[k * plane + p]) }
        }
        return SpatialMap(width: width, height: height, values: sum.map { Float(rectify ? max($0, 0) : $0) })
    }
}
