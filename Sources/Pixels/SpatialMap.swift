/// A single-channel 2-D map, row-major: `values` holds `height` rows of `width` floats, top row
/// first, like a NumPy [H, W] array. Sensitivity maps and Grad-CAM over an activation grid,
/// upsampled heat maps over an image, and per-pixel gradient magnitudes all use it.
public struct SpatialMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width > 0 && height > 0, "SpatialMap needs a positive size, got \(width)x\(height)")
        precondition(values.count == width * height,
                     "SpatialMap \(width)x\(height) needs \(width * height) values, got \(values.count)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// A map from rows (a NumPy-style [H][W] nesting); every row must have the same length.
    public init(rows: [[Float]]) {
        precondition(!rows.isEmpty && !rows[0].isEmpty, "SpatialMap(rows:) needs at least one value")
        let width = rows[0].count
        for (i, row) in rows.enumerated() {
            precondition(row.count == width, "SpatialMap(rows:) row \(i) has \(row.count) values, row 0 has \(width)")
        }
        self.init(width: width, height: rows.count, values: rows.flatMap { $0 })
    }

    /// The value in column `x`, row `y`.
    public subscript(x: Int, y: Int) -> Float {
        values[y * width + x]
    }

    /// The map as `height` rows of `width` values (the JSON layout).
    public var rows: [[Float]] {
        (0..<height).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// Smallest and largest finite value, or nil when no value is finite.
    public var finiteRange: (min: Float, max: Float)? {
        var lo = Float.infinity
        var hi = -Float.infinity
        for v in values where v.isFinite {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        return lo <= hi ? (lo, hi) : nil
    }
}
