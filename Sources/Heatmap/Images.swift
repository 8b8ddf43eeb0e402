// MARK: - Pixel and map containers

/// An 8-bit RGB image: `rgb` holds `height` rows of `width` pixels, top row first, three bytes
/// (R, G, B) per pixel, so `rgb.count == width * height * 3`.
public struct RGBPixels: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBPixels needs a positive size, got \(width)x\(height)")
        precondition(
            rgb.count == width * height * 3,
            "RGBPixels \(width)x\(height) needs \(width * height * 3) bytes, got \(rgb.count)")
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    /// The (R, G, B) bytes of the pixel in column `x`, row `y`.
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height,
                     "pixel (\(x), \(y)) is outside \(width)x\(height)")
        let i = (y * width + x) * 3
        return (rgb[i], rgb[i + 1], rgb[i + 2])
    }
}

/// A single-channel map (a sensitivity map, a Grad-CAM map, an upsampled heat map): `values`
/// holds `height` rows of `width` floats, top row first (row-major, like a NumPy [H, W] array).
public struct ScalarMap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width > 0 && height > 0, "ScalarMap needs a positive size, got \(width)x\(height)")
        precondition(
            values.count == width * height,
            "ScalarMap \(width)x\(height) needs \(width * height) values, got \(values.count)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// Builds a map from rows (a NumPy-style [H][W] nesting); every row must have the same length.
    public init(rows: [[Float]]) {
        precondition(!rows.isEmpty && !rows[0].isEmpty, "ScalarMap(rows:) needs at least one value")
        let width = rows[0].count
        for (i, row) in rows.enumerated() {
            precondition(row.count == width, "ScalarMap(rows:) row \(i) has \(row.count) values, row 0 has \(width)")
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
