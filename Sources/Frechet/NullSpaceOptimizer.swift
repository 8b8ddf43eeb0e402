// MARK: - The lowest FID that weighting these images can reach

/// Minimises FID(w) (`WeightedFrechetDistance`) over the probability simplex: the weights
/// that "match all fringe features" (Kynkäänniemi et al.), i.e. how far FID can fall by
/// choosing among the generated images without changing any of them.
///
/// FID(w) is convex up to -|mu_w|^2 / (N - 1) (see `WeightedFrechetDistance`), so a
/// quasi-Newton method on the simplex finds its minimum. The weights are w = v / sum v with
/// v >= 0 (FID(v / sum v) is scale-invariant; v starts at N w_0, so v_i is about 1), and the
/// method is L-BFGS with bounds handled by projection (Bertsekas's two-metric projection, as
/// in Kim, Sra and Dhillon's projected quasi-Newton):
///
/// 1. gradient in v: g_v = (g - (w . g) 1) / sum v, g = dFID/dw;
/// 2. free set: v_i > 0, or v_i = 0 with g_v,i < 0; direction p = -P H P g_v, P the
///    projection onto the free set, H the L-BFGS inverse Hessian (`memory` pairs, scaled by
///    s.y / y.y) — a descent direction whenever H is positive definite; steepest descent
///    (its step extended by quadratic interpolation) when there is no history or after a
///    failed search;
/// 3. projected Armijo search on v(alpha) = max(v + alpha p, 0): f(v(alpha)) <= f +
///    1e-4 g_v . (v(alpha) - v), backtracking by safeguarded quadratic interpolation, given up
///    once the predicted decrease falls below FID's rounding level (eps times the sum of
///    its terms), where differences of computed FIDs no longer mean anything. The
///    moments of v(alpha) are those of v plus alpha times those of p (one co-moment of p per
///    iteration) minus the rows clipped at 0, so a trial costs O(d^3) plus O(d^2) per clipped
///    row, not a pass over the N rows;
/// 4. pairs (s, y) are kept when s . y > 1e-12 |s| |y|.
///
/// One iteration therefore costs one co-moment (N d^2 / 2, the rows with p_i != 0), one
/// symmetric eigendecomposition with vectors, one N x d x d GEMM for the gradient, and an
/// eigenvalue-only decomposition per extra trial step.
///
/// Stopping: `toleranceReached` when the relative decrease (f_{k-1} - f_k) / f_k has stayed
/// below `relativeTolerance` for `stallIterations` consecutive iterations; `noFurtherDecrease`
/// when even a steepest-descent step finds no decrease (stationary at float64 resolution);
/// otherwise `iterationLimit`. The result also reports the Frank-Wolfe gap
/// sum_i w_i g_i - min_i g_i, which bounds FID(w) - min FID for the convex part.
public struct NullSpaceOptimizer: Sendable {
    public var maximumIterations: Int
    public var relativeTolerance: Double
    /// Consecutive iterations below `relativeTolerance` that count as converged.
    public var stallIterations: Int
    /// L-BFGS pairs kept.
    public var memory: Int

    public init(maximumIterations: Int = 200, relativeTolerance: Double = 1e-6,
                stallIterations: Int = 3, memory: Int = 10) {
        precondition(maximumIterations >= 0 && relativeTolerance >= 0 && stallIterations >= 1
                     && memory >= 1, "NullSpaceOptimizer: invalid settings")
        self.maximumIterations = maximumIterations
        self.relativeTolerance = relativeTolerance
        self.stallIterations = stallIterations
        self.memory = memory
    }

    public enum StopReason: String, Sendable {
        case toleranceReached = "relative decrease below tolerance"
        case noFurtherDecrease = "no decrease along steepest descent (stationary at float64 resolution)"
        case iterationLimit = "iteration limit"
    }

    public struct Result: Sendable {
        /// The minimising weights, >= 0, summing to 1, [N].
        public let weights: [Double]
        /// FID(weights), recomputed from scratch.
        public let fid: Double
        /// FID at the initial weights, then after each iteration.
        public let fidTrace: [Double]
        public let iterations: Int
        /// true for `toleranceReached` and `noFurtherDecrease`.
        public let converged: Bool
        public let reason: StopReason
        /// sum_i w_i g_i - min_i g_i at the result.
        public let frankWolfeGap: Double
        /// 1 / sum w_i^2.
        public let effectiveSampleSize: Double
        /// FID evaluations (eigenvalue decompositions) and gradients (N x d x d GEMMs).
        public let fidEvaluations: Int
        public let gradientEvaluations: Int
    }

    /// Minimises from `initialWeights` (default uniform).
    ///
    /// - Parameter progress: called after each iteration with its number and FID.
    /// - Throws: `FrechetError.invalidWeights` for unusable initial weights,
    ///   `.eigendecompositionFailed` from LAPACK.
    public func minimize(_ objective: WeightedFrechetDistance, initialWeights: [Double]? = nil,
                         progress: ((_ iteration: Int, _ fid: Double) -> Void)? = nil) throws
        -> Result
    {
        let n = objective.rows.count
        let start = initialWeights ?? WeightedStatistics.uniformWeights(count: n)
        try WeightedStatistics.checkWeights(start, count: n, source: "initial weights")
        var search = Search(objective: objective, memory: memory,
                            v: start.map { $0 * Double(n) })
        try search.start()
        var trace = [search.fid]
        var quiet = 0
        var reason = StopReason.iterationLimit
        var iterations = 0
        while iterations < maximumIterations {
            let before = search.fid
            guard try search.step() else {
                reason = .noFurtherDecrease
                break
            }
            iterations += 1
            trace.append(search.fid)
            progress?(iterations, search.fid)
            let decrease = (before - search.fid) / max(abs(search.fid), Double.leastNormalMagnitude)
            quiet = decrease < relativeTolerance ? quiet + 1 : 0
            if quiet >= stallIterations {
                reason = .toleranceReached
                break
            }
        }
        let total = search.v.reduce(0, +)
        let weights = search.v.map { $0 / total }
        var wg = 0.0
        for i in 0..<n { wg += weights[i] * search.g[i] }
        return Result(
            weights: weights, fid: try objective.distance(weights: weights),
            fidTrace: trace, iterations: iterations, converged: reason != .iterationLimit,
            reason: reason, frankWolfeGap: wg - (search.g.min() ?? 0),
            effectiveSampleSize: WeightedStatistics.effectiveSampleSize(weights),
            fidEvaluations: search.evaluations + 1, gradientEvaluations: search.gradients)
    }
}

// MARK: - The search state

/// v, its moments, FID, gradient and the L-BFGS history, advanced one iteration at a time.
private struct Search {
    let objective: WeightedFrechetDistance
    let memory: Int
    var v: [Double]
    var moments: WeightedFrechetDistance.Moments! = nil
    var point: WeightedFrechetDistance.Point! = nil
    var fid = 0.0
    /// dFID/dw and the gradient in v, [N].
    var g: [Double] = []
    var gv: [Double] = []
    var history: [(s: [Double], y: [Double], sy: Double)] = []
    var evaluations = 0
    var gradients = 0

    static let armijo = 1e-4

    init(objective: WeightedFrechetDistance, memory: Int, v: [Double]) {
        self.objective = objective
        self.memory = memory
        self.v = v
    }

    mutating func start() throws {
        moments = objective.moments(v)
        point = try objective.evaluate(moments, vectors: true)
        evaluations += 1
        fid = point.distance
        updateGradient()
    }

    mutating func updateGradient() {
        g = objective.gradient(at: point)
        gradients += 1
        let total = v.reduce(0, +)
        var wg = 0.0
        for i in 0..<v.count { wg += v[i] * g[i] }
        wg /= total
        gv = g.map { ($0 - wg) / total }
    }

    /// One iteration; false when no step decreases FID even along steepest descent.
    mutating func step() throws -> Bool {
        let free = (0..<v.count).map { v[$0] > 0 || gv[$0] < 0 }
        if !history.isEmpty, let accepted = try search(direction: quasiNewton(free), steepest: false) {
            try accept(accepted)
            return true
        }
        history.removeAll()
        let largest = zip(gv, free).map { $1 ? abs($0) : 0 }.max() ?? 0
        guard largest > 0 else { return false }
        // Steepest descent scaled so that the largest change of v is a tenth of its mean.
        let meanV = v.reduce(0, +) / Double(v.count)
        let scale = 0.1 * meanV / largest
        let direction = (0..<v.count).map { free[$0] ? -scale * gv[$0] : 0 }
        guard let accepted = try search(direction: direction, steepest: true) else { return false }
        try accept(accepted)
        return true
    }

    /// -P H P g_v by the two-loop recursion.
    func quasiNewton(_ free: [Bool]) -> [Double] {
        var q = (0..<gv.count).map { free[$0] ? gv[$0] : 0 }
        var alphas = [Double](repeating: 0, count: history.count)
        for k in stride(from: history.count - 1, through: 0, by: -1) {
            let pair = history[k]
            alphas[k] = dot(pair.s, q) / pair.sy
            for i in 0..<q.count { q[i] -= alphas[k] * pair.y[i] }
        }
        let last = history[history.count - 1]
        let gamma = last.sy / dot(last.y, last.y)
        for i in 0..<q.count { q[i] *= gamma }
        for k in 0..<history.count {
            let pair = history[k]
            let beta = dot(pair.y, q) / pair.sy
            for i in 0..<q.count { q[i] += (alphas[k] - beta) * pair.s[i] }
        }
        return (0..<q.count).map { free[$0] ? -q[$0] : 0 }
    }

    struct Trial {
        var v: [Double]
        var moments: WeightedFrechetDistance.Moments
        var point: WeightedFrechetDistance.Point
    }

    /// The projected Armijo search along `direction`; nil when no trial is accepted.
    mutating func search(direction p: [Double], steepest: Bool) throws -> Trial? {
        let slope = dot(gv, p)
        guard slope < 0 else { return nil }
        let directionMoments = objective.moments(p)
        var alpha = 1.0
        var accepted: Trial? = nil
        for attempt in 0..<40 {
            let trial = try evaluate(alpha: alpha, direction: p, directionMoments: directionMoments,
                                     vectors: attempt == 0 && !steepest)
            var predicted = 0.0  // g_v . (v(alpha) - v)
            for i in 0..<v.count where p[i] != 0 { predicted += gv[i] * (trial.v[i] - v[i]) }
            if -predicted < point.roundingLevel { break }  // below what FID can resolve
            let sufficient = trial.point.distance <= fid + Self.armijo * predicted
            if sufficient {
                if let previous = accepted, previous.point.distance <= trial.point.distance { break }
                accepted = trial
                // Steepest descent starts small: jump to the minimiser of the quadratic through
                // f, the slope and f(alpha) while that lies well beyond alpha (at most 100x).
                let curvature = trial.point.distance - fid - slope * alpha
                let quadratic = curvature > 0 ? -slope * alpha * alpha / (2 * curvature) : 100 * alpha
                if steepest && attempt < 10 && quadratic > 1.5 * alpha {
                    alpha = min(quadratic, 100 * alpha)
                    continue
                }
                break
            }
            if accepted != nil { break }
            // Backtrack: minimiser of the quadratic through f, slope and f(alpha), kept in
            // [0.1, 0.5] alpha.
            let curvature = trial.point.distance - fid - slope * alpha
            let quadratic = curvature > 0 ? -slope * alpha * alpha / (2 * curvature) : 0.5 * alpha
            alpha = min(max(quadratic, 0.1 * alpha), 0.5 * alpha)
        }
        return accepted
    }

    /// v(alpha) = max(v + alpha p, 0) and its FID.
    mutating func evaluate(alpha: Double, direction p: [Double],
                           directionMoments: WeightedFrechetDistance.Moments, vectors: Bool) throws
        -> Trial
    {
        var trialV = v
        var clipped = [Double](repeating: 0, count: v.count)
        var anyClipped = false
        for i in 0..<v.count where p[i] != 0 {
            let value = v[i] + alpha * p[i]
            if value < 0 {
                clipped[i] = -value
                anyClipped = true
                trialV[i] = 0
            } else {
                trialV[i] = value
            }
        }
        var trialMoments = moments.adding(directionMoments, times: alpha)
        if anyClipped { trialMoments = trialMoments.adding(objective.moments(clipped), times: 1) }
        let trialPoint = try objective.evaluate(trialMoments, vectors: vectors)
        evaluations += 1
        return Trial(v: trialV, moments: trialMoments, point: trialPoint)
    }

    mutating func accept(_ trial: Trial) throws {
        let s = (0..<v.count).map { trial.v[$0] - v[$0] }
        let oldGradient = gv
        v = trial.v
        moments = trial.moments
        point = trial.point
        if point.spectrum == nil {
            point = try objective.evaluate(moments, vectors: true)
            evaluations += 1
        }
        fid = point.distance
        updateGradient()
        let y = (0..<v.count).map { gv[$0] - oldGradient[$0] }
        let sy = dot(s, y)
        if sy > 1e-12 * (dot(s, s) * dot(y, y)).squareRoot() {
            history.append((s, y, sy))
            if history.count > memory { history.removeFirst() }
        }
        // FID(v / sum v) does not depend on the scale of v, but the steps do: on a flat
        // objective (FID at its noise floor) accepted jumps of up to 100x could grow v without
        // bound until it overflows. Keep sum v within a factor 1e6 of N; the history, which
        // lives in v's scale, starts again.
        let total = v.reduce(0, +), n = Double(v.count)
        if total > 1e6 * n || total < 1e-6 * n {
            v = v.map { $0 * n / total }
            history.removeAll()
            moments = objective.moments(v)
            point = try objective.evaluate(moments, vectors: true)
            evaluations += 1
            fid = point.distance
            updateGradient()
        }
    }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in 0..<a.count { sum += a[i] * b[i] }
    return sum
}
