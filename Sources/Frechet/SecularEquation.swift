// MARK: - One root of the secular equation

/// Solves f(t) = 1 + sum_j w_j^2 / (p_j - t) = 0 for its i-th root, p strictly increasing,
/// all w_j != 0. f increases from -inf to +inf on each (p_i, p_{i+1}), so root i lies
/// there (i < K - 1); the last root lies in (p_{K-1}, p_{K-1} + sum w^2].
///
/// The root is returned as (origin, offset) with t = p[origin] + offset, origin being the
/// pole nearer to the root (decided by the sign of f at the interval's midpoint), so
/// p_j - t = (p_j - p_origin) - offset has no cancellation: |p_j - p_origin| >= 2 |offset|.
///
/// Iteration (as in LAPACK dlaed4): f is modelled near the current point t by
/// C + S_a/(p_a - t) + S_b/(p_b - t) with the two poles a = split - 1, b = split nearest the
/// root, and the step zeroes the model (`modelStep`). The first step keeps the two poles'
/// own weights (S = w^2, the rest lumped into C; "fixed weight"); later steps use the "middle
/// way", S_a = D_a^2 psi', S_b = D_b^2 phi' (psi: poles j < split, phi: the others,
/// D = p - t), matching f's value and both partial slopes. A Newton step replaces a step
/// that points the wrong way, and bisection of the sign bracket one that leaves the bracket.
/// It stops when |f| <= eps (8 sum|terms| + 8 + |tau| f'), the rounding level of f itself,
/// or after a step smaller than eps^(2/3) |tau| (quadratic convergence leaves ~eps^(4/3)).
/// Typically 3-5 evaluations of f (O(K) each) per root.
enum SecularRoot {
    struct Evaluation {
        var value = 1.0
        var psi = 0.0, psiSlope = 0.0, phi = 0.0, phiSlope = 0.0
        /// f'' / 2 = sum_j w_j^2 / (p_j - t)^3.
        var halfCurvature = 0.0
    }

    /// A root t = p[origin] + offset with f'(t) (= |(P - t)^{-1} w|^2) and an estimate of the
    /// relative error of `offset` from the rounding level of f:
    /// eps (8 sum|terms| + 8 + |tau| f') / (|tau| f').
    struct Root {
        var origin: Int
        var offset: Double
        var slope: Double
        var relativeError: Double
    }

    static let maximumIterations = 200
    /// eps^(2/3): a model step below this (relative to tau) ends the iteration.
    static let negligibleStep = 3.7e-11

    /// Root `i` of the equation with poles `p` and squared weights `w2`; `delta` is scratch
    /// space of p.count elements.
    static func solve(index i: Int, poles p: [Double], squaredWeights w2: [Double],
                      scratch delta: inout [Double]) -> Root
    {
        let count = p.count
        let isLast = i == count - 1
        let split = isLast ? count - 1 : i + 1
        var origin: Int
        var lower: Double
        var upper: Double
        var tau: Double
        var evaluation: Evaluation
        if !isLast {
            let gap = p[i + 1] - p[i]
            let middle = gap / 2
            fillOffsets(&delta, poles: p, origin: i)
            evaluation = evaluate(delta, w2, split: split, tau: middle)
            if evaluation.value >= 0 {
                origin = i
                lower = 0
                upper = middle
                tau = middle
            } else {
                // Same point, measured from p_{i+1}.
                origin = i + 1
                fillOffsets(&delta, poles: p, origin: i + 1)
                tau = middle - gap
                lower = tau
                upper = 0
            }
        } else {
            origin = i
            fillOffsets(&delta, poles: p, origin: i)
            var rho = 0.0
            for value in w2 { rho += value }
            lower = 0
            upper = rho
            tau = rho / 2
            evaluation = evaluate(delta, w2, split: split, tau: tau)
        }

        var isFirstStep = true
        var finalStep = 0.0  // a last step taken without re-evaluating f
        for _ in 0..<maximumIterations {
            let w = evaluation.value
            if w == 0 { break }
            if w < 0 { lower = tau } else { upper = tau }
            let slope = evaluation.psiSlope + evaluation.phiSlope
            if abs(w) <= Double.ulpOfOne * errorBound(evaluation, tau: tau) { break }
            if upper - lower <= 4 * Double.ulpOfOne * max(abs(lower), abs(upper)) { break }

            let da = delta[split - 1] - tau
            let db = delta[split] - tau
            // First step: the two nearest poles with their exact weights ("fixed weight", a
            // good start far from the root); then the middle way's slope-matched weights.
            let wasFirstStep = isFirstStep
            let weightA = isFirstStep ? w2[split - 1] : da * da * evaluation.psiSlope
            let weightB = isFirstStep ? w2[split] : db * db * evaluation.phiSlope
            isFirstStep = false
            var eta = modelStep(value: w, da: da, db: db, weightA: weightA, weightB: weightB,
                                rightOfBothPoles: isLast)
            if !eta.isFinite || w * eta >= 0 { eta = -w / slope }  // Newton
            let next = tau + eta
            if !(next > lower && next < upper) {
                tau = 0.5 * (lower + upper)
            } else if !wasFirstStep && abs(eta) <= negligibleStep * abs(tau) {
                // The middle way converges at least quadratically, so after a step this small
                // the remaining error is far below rounding: skip the confirming evaluation.
                finalStep = eta
                break
            } else {
                if next == tau { break }
                tau = next
            }
            evaluation = evaluate(delta, w2, split: split, tau: tau)
        }
        let slope = evaluation.psiSlope + evaluation.phiSlope
        let relativeError = Double.ulpOfOne * errorBound(evaluation, tau: tau) / (abs(tau) * slope)
        // f' at tau + finalStep, to first order (the step is below eps^(2/3) |tau|).
        let finalSlope = slope + 2 * evaluation.halfCurvature * finalStep
        return Root(origin: origin, offset: tau + finalStep, slope: finalSlope,
                    relativeError: relativeError)
    }

    /// The rounding level of f at the point: 8 sum|terms| + 8 + |tau| f' (times eps).
    @inline(__always)
    static func errorBound(_ evaluation: Evaluation, tau: Double) -> Double {
        8 * (evaluation.phi - evaluation.psi) + 8
            + abs(tau) * (evaluation.psiSlope + evaluation.phiSlope)
    }

    /// The step eta that zeroes the model C + S_a/(D_a - eta) + S_b/(D_b - eta) fitted to f's
    /// value w at the current point (C = w - S_a/D_a - S_b/D_b), i.e. the root of
    /// C eta^2 - a eta + b = 0 with a = (D_a + D_b) C + S_a + S_b and b = D_a D_b w, taken
    /// between the poles (interior roots) or right of both (the last root), in the
    /// cancellation-free form.
    @inline(__always)
    static func modelStep(value w: Double, da: Double, db: Double, weightA: Double,
                          weightB: Double, rightOfBothPoles: Bool) -> Double
    {
        let c = w - weightA / da - weightB / db
        let a = (da + db) * c + weightA + weightB
        let b = da * db * w
        if c == 0 { return b / a }
        let root = abs(a * a - 4 * b * c).squareRoot()
        if rightOfBothPoles {
            return a >= 0 ? (a + root) / (2 * c) : 2 * b / (a - root)
        }
        return a <= 0 ? (a - root) / (2 * c) : 2 * b / (a + root)
    }

    /// delta_j = p_j - p_origin.
    @inline(__always)
    static func fillOffsets(_ delta: inout [Double], poles p: [Double], origin: Int) {
        let base = p[origin]
        delta.withUnsafeMutableBufferPointer { out in
            p.withUnsafeBufferPointer { poles in
                for j in 0..<poles.count { out[j] = poles[j] - base }
            }
        }
    }

    /// f and the left/right partial sums psi (j < split), phi (j >= split) and their
    /// derivatives at t = p_origin + tau.
    static func evaluate(_ delta: [Double], _ w2: [Double], split: Int, tau: Double)
        -> Evaluation
    {
        var result = Evaluation()
        delta.withUnsafeBufferPointer { d in
            w2.withUnsafeBufferPointer { w in
                let left = partialSums(d, w, 0..<split, tau: tau)
                let right = partialSums(d, w, split..<d.count, tau: tau)
                result.psi = left.sum
                result.psiSlope = left.slope
                result.phi = right.sum
                result.phiSlope = right.slope
                result.halfCurvature = left.curvature + right.curvature
            }
        }
        result.value = 1 + result.psi + result.phi
        return result
    }

    /// sum_j w_j / (d_j - tau), sum_j w_j / (d_j - tau)^2 and sum_j w_j / (d_j - tau)^3 over
    /// `range`, four lanes wide.
    @inline(__always)
    static func partialSums(_ d: UnsafeBufferPointer<Double>, _ w: UnsafeBufferPointer<Double>,
                            _ range: Range<Int>, tau: Double)
        -> (sum: Double, slope: Double, curvature: Double)
    {
        var sum = SIMD4<Double>()
        var slope = SIMD4<Double>()
        var curvature = SIMD4<Double>()
        let shift = SIMD4<Double>(repeating: tau)
        var j = range.lowerBound
        let d0 = UnsafeRawPointer(d.baseAddress!)
        let w0 = UnsafeRawPointer(w.baseAddress!)
        while j + 4 <= range.upperBound {
            let dv = d0.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
            let wv = w0.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self)
            let r = 1 / (dv - shift)
            let term = wv * r
            let slopeTerm = term * r
            sum += term
            slope += slopeTerm
            curvature += slopeTerm * r
            j += 4
        }
        var s = sum.sum()
        var sl = slope.sum()
        var cu = curvature.sum()
        while j < range.upperBound {
            let r = 1 / (d[j] - tau)
            let term = w[j] * r
            s += term
            sl += term * r
            cu += term * r * r
            j += 1
        }
        return (s, sl, cu)
    }
}
