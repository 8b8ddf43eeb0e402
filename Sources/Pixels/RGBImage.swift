import Foundation

/// An 8-bit RGB picture: what every decoder produces (PIL's `Image.open(p).convert('RGB')`),
/// what the network's input is made from, and what figures are drawn from.
///
/// `rgb` is row-major and interleaved: the pixel at column x, row y is
/// `rgb[(y * width + x) * 3 + c]` for channel c in R, G, B.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// H*W*3 bytes, row-major interleaved R,G,B.
    public let rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(
            width > 0 && height > 0, "RGBImage needs positive sides, got \(width)x\(height)")
        precondition(
            rgb.count == width * height * 3,
            "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(rgb.count)")
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

    /// The picture as a planar [3, H, W] Float32 array of `value / 255` in [0, 1], exactly what
    /// torchvision's `to_tensor` gives (a correctly rounded Float32 division, not a multiply by
    /// the reciprocal).
    public func planarUnitPixels() -> [Float] {
        let plane = width * height
        return [Float](unsafeUninitializedCapacity: plane * 3) { out, initialized in
            rgb.withUnsafeBufferPointer { bytes in
                for pixel in 0..<plane {
                    out[pixel] = Float(bytes[pixel * 3]) / 255
                    out[plane + pixel] = Float(bytes[pixel * 3 + 1]) / 255
                    out[2 * plane + pixel] = Float(bytes[pixel * 3 + 2]) / 255
                }
            }
            initialized = plane * 3
        }
    }
}
