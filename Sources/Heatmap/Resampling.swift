import Foundation
import Pixels

// MARK: - Min-max normalisation

extension SpatialMap {
    /// Min-max normalisation to [0, 1]: `(v - min) / (max - min)` over the finite values.
    ///
    /// Edge cases: a constant map (`max == min`, including a single value) becomes all zeros,
    /// so a flat sensitivity map draws as the colormap's low end instead of dividing by zero;
    /// non-finite values (NaN, ±inf) are ignored for min/max and become 0; a map with no finite
    /// value becomes all zeros. (The paper's `zero_one_scaling` returns an all-zero map
    /// unchanged and would divide by zero on any other constant map.)
    public func normalizedMinMax() -> SpatialMap {
        guard let (lo, hi) = finiteRange, hi > lo else {
            return SpatialMap(width: width, height: height, values: [Float](repeating: 0, count: values.count))
        }
        let scale = 1 / (hi - lo)
        let out = values.map { v -> Float in
            guard v.isFinite else { return 0 }
            return Swift.min(1, Swift.max(0, (v - lo) * scale))
        }
        return SpatialMap(width: width, height: height, values: out)
    }
}

// MARK: - Lanczos-3 resampling

extension SpatialMap {
    /// Resamples the map to `width` x `height` with a separable Lanczos-3 filter, following the
    /// conventions of PIL's `Image.resize(..., LANCZOS)` (which the paper's code uses):
    ///
    /// - Pixel centres (align_corners=False, "half-pixel"): output pixel `o` sits at input
    ///   coordinate `c = (o + 0.5) * in / out` measured from the input's left edge, where input
    ///   pixel `j` covers [j, j + 1) and has its centre at `j + 0.5`.
    /// - Kernel: `L(x) = sinc(x) * sinc(x / 3)` for |x| < 3, else 0, with `sinc(x) = sin(pi x)/(pi x)`.
    ///   When shrinking (`out < in`) the kernel is stretched by `in / out` (support `3 * in / out`)
    ///   so it averages instead of aliasing; when enlarging it is used as is.
    /// - Tap `j` gets weight `L((j + 0.5 - c) / s)` with `s = max(1, in / out)`; the window is
    ///   clamped to the image, i.e. taps that would fall outside [0, in) are dropped, and the
    ///   remaining weights are normalised to sum to 1 for every output pixel. A constant map
    ///   therefore stays exactly constant (up to float rounding), also at the borders.
    /// - Rows are filtered first, then columns, in Float (PIL rounds to 8 bits between passes
    ///   when the image is 8-bit; this does not).
    ///
    /// Lanczos overshoots near sharp edges, so results can leave the input's range slightly;
    /// callers that need [0, 1] clamp afterwards (see `Overlay.heat`).
    public func resampledLanczos3(width outWidth: Int, height outHeight: Int) -> SpatialMap {
        precondition(outWidth > 0 && outHeight > 0,
                     "resampledLanczos3 needs a positive size, got \(outWidth)x\(outHeight)")
        let columnTaps = LanczosTaps(inputSize: width, outputSize: outWidth)
        let rowTaps = LanczosTaps(inputSize: height, outputSize: outHeight)

        // Horizontal pass: height x outWidth.
        var horizontal = [Float](repeating: 0, count: height * outWidth)
        for y in 0..<height {
            let rowStart = y * width
            for x in 0..<outWidth {
                let tap = columnTaps.taps[x]
                var sum: Float = 0
                for (k, w) in tap.weights.enumerated() {
                    sum += w * values[rowStart + tap.first + k]
                }
                horizontal[y * outWidth + x] = sum
            }
        }
        // Vertical pass: outHeight x outWidth.
        var out = [Float](repeating: 0, count: outHeight * outWidth)
        for y in 0..<outHeight {
            let tap = rowTaps.taps[y]
            for (k, w) in tap.weights.enumerated() {
                let src = (tap.first + k) * outWidth
                let dst = y * outWidth
                for x in 0..<outWidth {
                    out[dst + x] += w * horizontal[src + x]
                }
            }
        }
        return SpatialMap(width: outWidth, height: outHeight, values: out)
    }
}

/// The Lanczos-3 taps of one axis: for each output index, the first input index and the
/// normalised weights of the consecutive inputs it reads.
struct LanczosTaps {
    struct Tap {
        let first: Int
        let weights: [Float]
    }

    let taps: [Tap]

    init(inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        var taps: [Tap] = []
        taps.reserveCapacity(outputSize)
        for o in 0..<outputSize {
            let center = (Double(o) + 0.5) * scale
            let lo = max(0, Int((center - support).rounded(.down)))
            let hi = min(inputSize, Int((center + support).rounded(.up)))
            var weights: [Double] = []
            for j in lo..<hi {
                weights.append(LanczosTaps.kernel((Double(j) + 0.5 - center) / filterScale))
            }
            // Trim zero-weight ends so each tap reads only the inputs it uses.
            var first = lo
            while weights.count > 1, weights[0] == 0 { weights.removeFirst(); first += 1 }
            while weights.count > 1, weights[weights.count - 1] == 0 { weights.removeLast() }
            let total = weights.reduce(0, +)
            // total > 0 always: the nearest input centre is within 0.5 * filterScale of `center`,
            // where L > 0.6.
            taps.append(Tap(first: first, weights: weights.map { Float($0 / total) }))
        }
        self.taps = taps
    }

    /// `sinc(x) * sinc(x / 3)` on |x| < 3, 0 outside.
    static func kernel(_ x: Double) -> Double {
        let ax = abs(x)
        if ax >= 3 { return 0 }
        if ax < 1e-12 { return 1 }
        let px = Double.pi * x
        return 3 * sin(px) * sin(px / 3) / (px * px)
    }
}
