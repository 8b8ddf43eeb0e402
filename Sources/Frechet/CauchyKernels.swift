// MARK: - Vectorised loops over Cauchy-like terms 1 / (p_j - t)

/// The O(K^2) work of `DiagonalPlusRankOne` is sweeps over j of terms 1 / ((p_j - base) - tau)
/// for one root t = base + tau. These loops run four lanes at a time (`SIMD4<Double>`); they
/// are bound by division throughput.
enum CauchyKernels {
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Double>, _ j: Int) -> SIMD4<Double> {
        UnsafeRawPointer(pointer + j).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always)
    static func store(_ value: SIMD4<Double>, _ pointer: UnsafeMutablePointer<Double>, _ j: Int) {
        UnsafeMutableRawPointer(pointer + j).storeBytes(of: value, as: SIMD4<Double>.self)
    }

    /// out_j *= (tau - (p_j - base)) / (anchor - p_j) for j in `range`
    /// (one Gu-Eisenstat factor (t - p_j) / (anchor - p_j)).
    static func multiplyByRatios(_ out: UnsafeMutablePointer<Double>, poles p: UnsafePointer<Double>,
                                 _ range: Range<Int>, base: Double, tau: Double, anchor: Double) {
        var j = range.lowerBound
        let baseV = SIMD4<Double>(repeating: base)
        let tauV = SIMD4<Double>(repeating: tau)
        let anchorV = SIMD4<Double>(repeating: anchor)
        while j + 4 <= range.upperBound {
            let pv = load(p, j)
            store(load(out, j) * ((tauV - (pv - baseV)) / (anchorV - pv)), out, j)
            j += 4
        }
        while j < range.upperBound {
            out[j] *= (tau - (p[j] - base)) / (anchor - p[j])
            j += 1
        }
    }

    /// out_j *= tau - (p_j - base) for j in `range` (the unpaired factor t_K - p_j).
    static func multiplyByGaps(_ out: UnsafeMutablePointer<Double>, poles p: UnsafePointer<Double>,
                               _ range: Range<Int>, base: Double, tau: Double) {
        for j in range { out[j] *= tau - (p[j] - base) }
    }

    /// (sum_j v_j^2, sum_j v_j y_j) with v_j = w_j / ((p_j - base) - tau), j < count.
    static func normAndDot(poles p: UnsafePointer<Double>, weights w: UnsafePointer<Double>,
                           _ y: UnsafePointer<Double>, count: Int, base: Double, tau: Double)
        -> (normSquared: Double, dot: Double)
    {
        var norm = SIMD4<Double>()
        var dot = SIMD4<Double>()
        let baseV = SIMD4<Double>(repeating: base)
        let tauV = SIMD4<Double>(repeating: tau)
        var j = 0
        while j + 4 <= count {
            let v = load(w, j) / ((load(p, j) - baseV) - tauV)
            norm += v * v
            dot += v * load(y, j)
            j += 4
        }
        var normSum = norm.sum()
        var dotSum = dot.sum()
        while j < count {
            let v = w[j] / ((p[j] - base) - tau)
            normSum += v * v
            dotSum += v * y[j]
            j += 1
        }
        return (normSum, dotSum)
    }

    /// out_j += coefficient / ((p_j - base) - tau) for j in `range`.
    static func accumulateReciprocals(_ out: UnsafeMutablePointer<Double>,
                                      poles p: UnsafePointer<Double>, _ range: Range<Int>,
                                      base: Double, tau: Double, coefficient: Double) {
        var j = range.lowerBound
        let baseV = SIMD4<Double>(repeating: base)
        let tauV = SIMD4<Double>(repeating: tau)
        let coefficientV = SIMD4<Double>(repeating: coefficient)
        while j + 4 <= range.upperBound {
            store(load(out, j) + coefficientV / ((load(p, j) - baseV) - tauV), out, j)
            j += 4
        }
        while j < range.upperBound {
            out[j] += coefficient / ((p[j] - base) - tau)
            j += 1
        }
    }
}
