/// A 2-D map over an activation's spatial grid (or an image), row-major.
public struct SpatialMap: Equatable {
    public let height: Int
    public let width: Int
    public let values: [Float]

    public init(height: Int, width: Int, values: [Float]) {
        precondition(values.count == height * width, "map \(height)x\(width) with \(values.count) values")
        self.height = height
        self.width = width
        self.values = values
    }

    /// Rows top to bottom, for JSON.
    public var rows: [[Float]] {
        (0 ..< height).map { Array(values[$0 * width ..< ($0 + 1) * width]) }
    }
}

/// Channel-weighted sums of an activation A [C, H, W] given d(objective)/dA [C, H, W].
public enum SensitivityMaps {
    /// Kynkäänniemi et al.'s FID sensitivity map: sum_k w_k A_k with w_k = mean_ij (dFID/dA_kij)^2.
    /// No ReLU: the map may be negative where activations are (they are ReLU outputs here, so >= 0).
    public static func fidSensitivity(activation: [Float], gradient: [Float], channels: Int,
                                      height: Int, width: Int) -> SpatialMap {
        weightedSum(activation: activation, gradient: gradient, channels: channels, height: height, width: width,
                    weight: { $0 * $0 }, rectify: false)
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
        return SpatialMap(height: height, width: width, values: sum.map { Float(rectify ? max($0, 0) : $0) })
    }
}
