import Foundation

// MARK: - Newton steps on the simplex

/// The weights, their moments, FID and gradient, advanced one Newton step at a time
/// (`NullSpaceOptimizer` describes the method), with the work done so far.
struct NewtonSearch {
    let objective: WeightedFrechetDistance
    /// w, >= 0, summing to 1, [N].
    private(set) var w: [Double]
    private var moments: WeightedFrechetDistance.Moments
    private var point: WeightedFrechetDistance.Point
    /// B and Y = X B at `point`, for its gradient and its curvature.
    private var rotation: WeightedFrechetDistance.Rotation
    private(set) var fid: Double
    /// dFID/dw, [N].
    private(set) var g: [Double]
    private(set) var evaluations = 1
    private(set) var gradients = 1
    private(set) var hessianProducts = 0
    /// Wall seconds spent in each part of the work so far.
    private(set) var seconds = NullSpaceOptimizer.Seconds()
    /// mu of the Levenberg-Marquardt term mu diag(H) added to the model's Hessian.
    private var damping = NewtonSearch.smallestDamping
    /// `NullSpaceOptimizer.hessianProductsPerStep`, and the products the current step has left.
    private let productsPerStep: Int?
    private var productsLeft = Int.max

    static let armijo = 1e-4
    /// Conjugate-gradient iterations per step.
    static let conjugateGradientLimit = 50
    /// The smallest relative residual asked of conjugate gradients: about what Float32 Hessian
    /// products resolve.
    static let smallestForcing = 1e-3
    /// Trials of one line search.
    static let trialLimit = 6
    /// The damping mu after full steps; it grows tenfold after a shortened step and a hundredfold
    /// (and the step is solved again) after a failed line search, up to `dampingRetries` solves.
    static let smallestDamping = 1e-6
    static let dampingRetries = 3
    /// A weight whose step would shrink it by more than e^36 becomes 0.
    static let vanishingExponent = -36.0
    /// Solves again with the weights that a solve takes below zero held at the bound.
    static let boundPasses = 2

    init(objective: WeightedFrechetDistance, weights: [Double], productsPerStep: Int? = nil) throws {
        self.objective = objective
        self.productsPerStep = productsPerStep
        w = weights
        var seconds = NullSpaceOptimizer.Seconds()
        let moments = seconds.timed(\.moments) { objective.moments(weights) }
        let point = try seconds.timed(\.spectra) { try objective.evaluate(moments, vectors: true) }
        let rotation = seconds.timed(\.gradients) { objective.rotation(at: point) }
        g = seconds.timed(\.gradients) { objective.gradient(at: point, rotation: rotation) }
        (self.moments, self.point, self.rotation, fid, self.seconds) = (moments, point, rotation, point.distance,
                                                                         seconds)
    }

    enum Outcome {
        /// A step was taken; `full` when the line search took all of it (alpha = 1).
        case stepped(full: Bool)
        /// The Newton step is predicted to lower FID by less than the tolerance: not taken.
        case converged
        /// No trial along the Newton step lowers FID.
        case stalled
        /// No trial lowered FID, and the step's Hessian products are spent.
        case budgetSpent
    }

    /// One Newton step (see `NullSpaceOptimizer`).
    mutating func step(tolerance: Double) throws -> Outcome {
        let (point, rotation, objective) = (self.point, self.rotation, self.objective)
        let curvature = seconds.timed(\.curvature) { objective.curvature(at: point, rotation: rotation) }
        var mean = 0.0
        for i in 0..<w.count { mean += w[i] * g[i] }
        let free = (0..<w.count).filter { w[$0] > 0 || g[$0] < mean }
        guard !free.isEmpty else { return .converged }
        productsLeft = productsPerStep ?? Int.max
        for _ in 0..<Self.dampingRetries {
            guard productsLeft > 0 else { return .budgetSpent }
            let (direction, model) = newtonDirection(curvature, free: free)
            guard -model > max(tolerance * abs(fid), point.roundingLevel) else { return .converged }
            if let full = try lineSearch(direction) {
                damping = full ? max(damping / 10, Self.smallestDamping) : damping * 10
                return .stepped(full: full)
            }
            damping *= 100
        }
        return .stalled
    }

    /// The Newton direction on the free weights: the minimiser of the model g . s + s^T H s / 2 over
    /// s with s_i = 0 off `free` and sum s = 0 (`conjugateGradients`). Weights it would take below
    /// zero cannot follow the model there: the line search shrinks them towards 0 instead. So they
    /// are held at s_i = -w_i (at the bound) and the others solved again, up to `boundPasses` times,
    /// which keeps a few weights that belong at 0 from bending the step of all the others. The
    /// returned direction keeps the first solve's s_i for the weights held at the bound (the line
    /// search shrinks them by exp(s_i / w_i)); the model value is the last solve's.
    private mutating func newtonDirection(_ curvature: WeightedFrechetDistance.Curvature, free: [Int])
        -> (direction: [Double], model: Double)
    {
        var (direction, model, scale) = conjugateGradients(curvature, free: free, bound: [], scale: nil)
        var bound: [Int] = []
        var solving = free
        for _ in 0..<Self.boundPasses where productsLeft > 1 {
            let crossing = solving.filter { w[$0] + direction[$0] < 0 }
            guard !crossing.isEmpty, crossing.count < solving.count else { break }
            let held = Set(crossing)
            let remaining = solving.filter { !held.contains($0) }
            let (next, nextModel, _) = conjugateGradients(curvature, free: remaining, bound: bound + crossing,
                                                          scale: scale)
            // Holding them at the bound must still promise a decrease, or the pass is not taken.
            guard nextModel < 0 else { break }
            bound += crossing
            solving = remaining
            for i in solving { direction[i] = next[i] }
            model = nextModel
        }
        return (direction, model)
    }

    /// The minimiser of g . s + s^T H s / 2 over s with s_i = -w_i on `bound`, s_i free on `free`,
    /// 0 elsewhere, and sum s = 0, with the model's value there. Conjugate gradients run on the
    /// free part, preconditioned with diag(H) and projected onto its sum in that metric, from the
    /// start that spreads the bound weights' mass over the free ones in the same metric. They stop
    /// at a relative residual eta = min(0.1, sqrt(r0 / FID)), but at least `smallestForcing` (r0,
    /// the preconditioned squared gradient, is about twice the Newton decrement), so the steps
    /// sharpen as the minimum nears. Each product H p loses its mean over the free weights (only
    /// differences between weights count) and each p is projected again, so rounding cannot build
    /// up along 1; the iterate with the lowest model value is kept, and the iteration ends when the
    /// model stops falling (the Float32 products' noise floor).
    private mutating func conjugateGradients(_ curvature: WeightedFrechetDistance.Curvature, free: [Int],
                                             bound: [Int], scale: Double?)
        -> (s: [Double], model: Double, scale: Double)
    {
        let n = w.count
        let largest = free.map { abs(curvature.diagonal[$0]) }.max() ?? 0
        let floor = max(largest * 1e-12, Double.leastNormalMagnitude)
        var inverseDiagonal = [Double](repeating: 0, count: n)
        for i in free { inverseDiagonal[i] = 1 / max(curvature.diagonal[i], floor) }
        var inverseTotal = 0.0
        for i in free { inverseTotal += inverseDiagonal[i] }
        // v - D^{-1} 1 (sum v) / (1^T D^{-1} 1) on the free weights: the projection onto sum v = 0
        // in the D metric.
        func project(_ v: inout [Double]) {
            var sum = 0.0
            for i in free { sum += v[i] }
            let shift = sum / inverseTotal
            for i in free { v[i] -= shift * inverseDiagonal[i] }
        }
        func withoutMean(_ v: inout [Double]) {
            var mean = 0.0
            for i in free { mean += v[i] }
            mean /= Double(free.count)
            for i in 0..<n { v[i] -= mean }
        }
        // (H + damping diag(H)) v, less its mean over the free weights.
        func product(_ v: [Double]) -> [Double] {
            var hv = seconds.timed(\.products) { curvature.times(v) }
            hessianProducts += 1
            productsLeft -= 1
            withoutMean(&hv)
            for i in 0..<n where v[i] != 0 { hv[i] += damping * max(curvature.diagonal[i], floor) * v[i] }
            return hv
        }
        // The start: -w on the bound weights, their mass spread over the free ones.
        var s = [Double](repeating: 0, count: n)
        var hs = [Double](repeating: 0, count: n)  // H s
        if !bound.isEmpty {
            var held = 0.0
            for i in bound {
                s[i] = -w[i]
                held += w[i]
            }
            for i in free { s[i] = held * inverseDiagonal[i] / inverseTotal }
            hs = product(s)
        }
        func model() -> Double {
            var value = 0.0
            for i in 0..<n where s[i] != 0 { value += (g[i] + 0.5 * hs[i]) * s[i] }
            return value
        }
        var r = [Double](repeating: 0, count: n)  // -(g + H s) on the free weights
        for i in free { r[i] = -(g[i] + hs[i]) }
        var z = [Double](repeating: 0, count: n)
        for i in free { z[i] = r[i] * inverseDiagonal[i] }
        project(&z)
        var p = z
        var rz = dot(r, z)
        let initial = rz
        var best = (s: s, model: model())
        // The residual the forcing is relative to: the first solve's (the Newton system's own
        // right-hand side), also for later solves, whose start may be far from their answer.
        let reference = scale ?? initial
        guard initial > 0 else { return (best.s, best.model, reference) }
        let eta = max(Self.smallestForcing,
                      min(0.1, (reference / max(abs(fid), Double.leastNormalMagnitude)).squareRoot()))
        for iteration in 0..<Self.conjugateGradientLimit where productsLeft > 0 {
            let hp = product(p)
            let curvatureAlong = dot(p, hp)
            guard curvatureAlong > 0 else {
                // Not convex along p: keep the best step so far, or move along p.
                if iteration == 0 {
                    for i in free { s[i] += p[i] }
                    best = (s, best.model + dot(g, p))
                }
                break
            }
            let alpha = rz / curvatureAlong
            for i in 0..<n where hp[i] != 0 || p[i] != 0 {
                s[i] += alpha * p[i]
                hs[i] += alpha * hp[i]
            }
            for i in free { r[i] -= alpha * hp[i] }
            let value = model()
            if value >= best.model { break }
            best = (s, value)
            for i in free { z[i] = r[i] * inverseDiagonal[i] }
            project(&z)
            let next = dot(r, z)
            if next <= eta * eta * reference { break }
            for i in free { p[i] = z[i] + (next / rz) * p[i] }
            project(&p)
            rz = next
        }
        return (best.s, best.model, reference)
    }

    /// The Armijo search of `NullSpaceOptimizer` along the path w(alpha) = v(alpha) / sum v(alpha),
    /// v_i(alpha) = w_i + alpha p_i where positive, else w_i exp(alpha p_i / w_i) (0 below
    /// e^`vanishingExponent`), from alpha = 1: a trial is taken when it lowers FID by at least
    /// `armijo` times the decrease g . (w(alpha) - w) predicts. The moments of v(alpha) are those of
    /// w, plus alpha times those of p (one co-moment of p, once), plus those of the shrunk rows'
    /// corrections. Backtracking is by safeguarded quadratic interpolation on the slope at 0,
    /// g . (p - w sum p) (sum p is not 0 when weights are held at the bound), or by a factor 0.3
    /// when the path starts uphill (weights held at the bound fall faster at first than the model
    /// has them). Returns whether the full step was taken, or nil when no trial lowered FID.
    private mutating func lineSearch(_ p: [Double]) throws -> Bool? {
        let n = w.count, objective = self.objective
        var slope = 0.0, weightedMean = 0.0, sum = 0.0
        for i in 0..<n {
            slope += g[i] * p[i]
            weightedMean += g[i] * w[i]
            sum += p[i]
        }
        slope -= weightedMean * sum
        let directionMoments = seconds.timed(\.moments) { objective.moments(p) }
        var alpha = 1.0
        for attempt in 0..<Self.trialLimit {
            var trial = w
            var correction = [Double](repeating: 0, count: n)
            var anyShrunk = false
            for i in 0..<n where p[i] != 0 {
                let additive = w[i] + alpha * p[i]
                if additive > 0 {
                    trial[i] = additive
                } else {
                    let exponent = w[i] > 0 ? alpha * p[i] / w[i] : -Double.infinity
                    trial[i] = exponent > Self.vanishingExponent ? w[i] * exp(exponent) : 0
                    correction[i] = trial[i] - additive
                    anyShrunk = true
                }
            }
            var trialMoments = moments.adding(directionMoments, times: alpha)
            if anyShrunk {
                let shrunk = seconds.timed(\.moments) { objective.moments(correction) }
                trialMoments = trialMoments.adding(shrunk, times: 1)
            }
            let total = trialMoments.total
            // With vectors for the first trial, which is usually taken.
            let trialPoint = try seconds.timed(\.spectra) {
                try objective.evaluate(trialMoments, vectors: attempt == 0)
            }
            evaluations += 1
            var predicted = 0.0  // g . (w(alpha) - w)
            for i in 0..<n { predicted += g[i] * (trial[i] / total - w[i]) }
            if trialPoint.distance < fid && trialPoint.distance <= fid + Self.armijo * min(predicted, 0) {
                try accept(trial.map { $0 / total }, trialMoments.scaled(by: 1 / total), trialPoint)
                return attempt == 0
            }
            let curvature = trialPoint.distance - fid - slope * alpha
            let quadratic = slope < 0 && curvature > 0 ? -slope * alpha * alpha / (2 * curvature) : 0.3 * alpha
            alpha = min(max(quadratic, 0.1 * alpha), 0.5 * alpha)
        }
        return nil
    }

    /// sum_i w_i g_i - min_i g_i at the current weights, from a gradient whose rotated rows are
    /// Float64 (the steps' Float32 ones leave errors of a few 1e-7 of |x_i|^2 in g, which a gap
    /// near convergence does not survive).
    mutating func frankWolfeGap() -> Double {
        let (point, rotation, objective) = (self.point, self.rotation, self.objective)
        let exact = seconds.timed(\.gradients) { objective.gradient(at: point, rotation: rotation, precision: .float64) }
        var mean = 0.0
        for i in 0..<w.count { mean += w[i] * exact[i] }
        return mean - (exact.min() ?? 0)
    }

    private mutating func accept(_ weights: [Double], _ newMoments: WeightedFrechetDistance.Moments,
                                 _ newPoint: WeightedFrechetDistance.Point) throws {
        let objective = self.objective
        w = weights
        moments = newMoments
        point = newPoint
        if point.spectrum == nil {
            let moments = self.moments
            point = try seconds.timed(\.spectra) { try objective.evaluate(moments, vectors: true) }
            evaluations += 1
        }
        fid = point.distance
        let point = self.point
        let rotation = seconds.timed(\.gradients) { objective.rotation(at: point) }
        self.rotation = rotation
        g = seconds.timed(\.gradients) { objective.gradient(at: point, rotation: rotation) }
        gradients += 1
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in 0..<a.count { sum += a[i] * b[i] }
    return sum
}
