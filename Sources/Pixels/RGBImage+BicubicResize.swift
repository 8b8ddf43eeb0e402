/// Pillow's bicubic resampling of 8-bit images, bit for bit: what `Image.resize((w, h),
/// Image.BICUBIC)` returns for an RGB image, and so what torchvision's `Resize(..., BICUBIC)`
/// gives on a PIL image (DINOv2's preprocessing).
///
/// Pillow resamples separably, first along rows (when the width changes) into 8-bit
/// intermediate pixels, then along columns (when the height changes). Per axis, output
/// position i has its centre at (i + 0.5) * scale in input coordinates, scale = in / out; the
/// filter (Keys' cubic with a = -0.5, support 2) is stretched by max(scale, 1), so shrinking
/// averages over the wider window and enlarging interpolates. Each output's weights are
/// normalised to sum 1 in Double, then rounded to fixed point with 22 fractional bits;
/// each pixel is (sum of weight * byte + 2^21) >> 22, clipped to 0 ... 255.
extension RGBImage {
    /// The image resampled to `width` x `height` as Pillow's `Image.resize(..., Image.BICUBIC)`
    /// does it. An unchanged size returns the image itself (Pillow copies it).
    public func resizedBicubic(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resizedBicubic: target \(newWidth)x\(newHeight) must be positive")
        var pixels = rgb, currentWidth = width
        if newWidth != width {
            let axis = PillowResampleAxis(input: width, output: newWidth)
            pixels = axis.resampleRows(pixels, rows: height)
            currentWidth = newWidth
        }
        if newHeight != height {
            let axis = PillowResampleAxis(input: height, output: newHeight)
            pixels = axis.resampleColumns(pixels, columns: currentWidth)
        }
        return RGBImage(width: newWidth, height: newHeight, rgb: pixels)
    }
}

/// One axis of Pillow's bicubic resampling (`precompute_coeffs` and `normalize_coeffs_8bpc` in
/// Pillow's `libImaging/Resample.c`, for the whole image as the box): for each output position,
/// the first input index, how many inputs it reads and their fixed-point weights.
struct PillowResampleAxis {
    /// Fractional bits of the fixed-point weights: 32 - 8 - 2, room for 8-bit values and the
    /// filter's overshoot.
    static let precisionBits = 22

    let first: [Int]
    let taps: [Int]
    /// Weights of output i at `weights[i * stride ..< i * stride + taps[i]]`.
    let weights: [Int32]
    let stride: Int

    init(input: Int, output: Int) {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = 2 * filterScale
        stride = Int(support.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1 / filterScale
        var first = [Int](), taps = [Int]()
        var weights = [Int32](repeating: 0, count: output * stride)
        for i in 0 ..< output {
            let center = (Double(i) + 0.5) * scale
            // C's (int) conversion truncates toward zero.
            let lower = max(Int(center - support + 0.5), 0)
            let upper = min(Int(center + support + 0.5), input)
            var kernel = [Double]()
            var total = 0.0
            for x in 0 ..< upper - lower {
                let w = Self.bicubic((Double(x + lower) - center + 0.5) * inverseFilterScale)
                kernel.append(w)
                total += w
            }
            for (x, w) in kernel.enumerated() {
                let normalized = total != 0 ? w / total : w
                let fixed = normalized * Double(1 << Self.precisionBits)
                weights[i * stride + x] = Int32(normalized < 0 ? -0.5 + fixed : 0.5 + fixed)
            }
            first.append(lower)
            taps.append(upper - lower)
        }
        self.first = first
        self.taps = taps
        self.weights = weights
    }

    /// Keys' cubic convolution kernel with a = -0.5, in Pillow's operation order.
    static func bicubic(_ value: Double) -> Double {
        let a = -0.5
        let x = abs(value)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// (sum + 2^21) >> 22 clipped to a byte.
    @inline(__always)
    private static func clip(_ sum: Int) -> UInt8 {
        let value = (sum + (1 << (precisionBits - 1))) >> precisionBits
        return UInt8(min(max(value, 0), 255))
    }

    /// Interleaved RGB rows of the input width -> rows of the output width.
    func resampleRows(_ pixels: [UInt8], rows: Int) -> [UInt8] {
        let inWidth = pixels.count / (rows * 3), outWidth = first.count
        precondition(inWidth * rows * 3 == pixels.count, "resampleRows: \(pixels.count) bytes are not \(rows) RGB rows")
        var out = [UInt8](repeating: 0, count: rows * outWidth * 3)
        for y in 0 ..< rows {
            let rowIn = y * inWidth * 3, rowOut = y * outWidth * 3
            for i in 0 ..< outWidth {
                var r = 0, g = 0, b = 0
                for t in 0 ..< taps[i] {
                    let w = Int(weights[i * stride + t]), p = rowIn + (first[i] + t) * 3
                    r += Int(pixels[p]) * w; g += Int(pixels[p + 1]) * w; b += Int(pixels[p + 2]) * w
                }
                out[rowOut + i * 3] = Self.clip(r)
                out[rowOut + i * 3 + 1] = Self.clip(g)
                out[rowOut + i * 3 + 2] = Self.clip(b)
            }
        }
        return out
    }

    /// Interleaved RGB columns of the input height -> columns of the output height.
    func resampleColumns(_ pixels: [UInt8], columns: Int) -> [UInt8] {
        let rowBytes = columns * 3, outHeight = first.count
        precondition(pixels.count % rowBytes == 0, "resampleColumns: \(pixels.count) bytes are not rows of \(columns) RGB pixels")
        var out = [UInt8](repeating: 0, count: outHeight * rowBytes)
        for i in 0 ..< outHeight {
            for c in 0 ..< rowBytes {
                var sum = 0
                for t in 0 ..< taps[i] { sum += Int(pixels[(first[i] + t) * rowBytes + c]) * Int(weights[i * stride + t]) }
                out[i * rowBytes + c] = Self.clip(sum)
            }
        }
        return out
    }
}
