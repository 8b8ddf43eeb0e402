import Dispatch

// MARK: - The lowest FID that weighting these images can reach

/// Minimises FID(w) (`WeightedFrechetDistance`) over the probability simplex: the weights
/// that "match all fringe features" (Kynkäänniemi et al.), i.e. how far FID can fall by
/// choosing among the generated images without changing any of them.
///
/// FID(w) is convex up to -|mu_w|^2 / (N - 1) (see `WeightedFrechetDistance`), so Newton's
/// method on the simplex finds its minimum in a handful of steps, each judged by the exact
/// (Float64) FID and gradient. One iteration (`NewtonSearch`):
///
/// 1. free weights: w_i > 0, or w_i = 0 with g_i below the weighted mean sum_j w_j g_j (g = dFID/dw);
/// 2. the Newton direction p on them, in the tangent space sum p = 0: conjugate gradients on
///    H p = -g with Hessian products that reuse the point's eigendecomposition
///    (`WeightedFrechetDistance.Curvature`), preconditioned by diag(H);
/// 3. a line search from the full step: w_i + alpha p_i where that stays positive, w_i exp(alpha
///    p_i / w_i) where it would not (a weight shrinks instead of being clipped to 0), then
///    renormalised; Armijo's condition on the Float64 FID, backtracking by safeguarded quadratic
///    interpolation (the full step is almost always taken).
///
/// The trial's moments are those of w plus alpha times those of p (linear in the weights), so a
/// step costs one co-moment of p, one eigendecomposition with vectors and one gradient; the
/// Hessian work is the rotated rows Y = X B once (N x d x m) and a few products of N m^2 in
/// Float32 each.
///
/// Stopping: `toleranceReached` when a full step lowered FID by less than `relativeTolerance`
/// times FID, or the next Newton step is predicted (by its quadratic model) to; `noFurtherDecrease`
/// when no trial along the step lowers FID (stationary at Float64 resolution); otherwise
/// `iterationLimit`. The result also reports the Frank-Wolfe gap sum_i w_i g_i - min_i g_i:
/// FID(w) - min FID <= gap + |mu_w - mu_*|^2 / (N - 1), mu_* the mean at the minimum (the gap
/// bounds the convex part exactly; the concave term adds at most that).
///
/// A budget: `hessianProductsPerStep` caps the products one step may use, all its solves together
/// (each product costs N m^2, and at N = 50,000 with m = 2048 also a rotation of every row, see
/// `WeightedFrechetDistance.Rotation`). Steps from a few conjugate-gradient iterations are short
/// of Newton's but still descend; when a line search fails and the step's budget is spent, the
/// optimiser stops (`stepBudgetSpent`). nil: each solve runs up to 50 iterations.
public struct NullSpaceOptimizer: Sendable {
    public var maximumIterations: Int
    public var relativeTolerance: Double
    /// The most Hessian products one step may use; nil for no cap beyond 50 per solve.
    public var hessianProductsPerStep: Int?

    public init(maximumIterations: Int = 200, relativeTolerance: Double = 1e-9, hessianProductsPerStep: Int? = nil) {
        precondition(maximumIterations >= 0 && relativeTolerance >= 0 && (hessianProductsPerStep ?? 1) >= 1,
                     "NullSpaceOptimizer: invalid settings")
        self.maximumIterations = maximumIterations
        self.relativeTolerance = relativeTolerance
        self.hessianProductsPerStep = hessianProductsPerStep
    }

    /// The optimiser of the explain report's class section for `rows` images in `dimension`
    /// dimensions. Up to as many images as dimensions every step is small (the k x k route, Y
    /// N x N at most), so it runs as before, up to 20 steps without a product cap. Beyond, a step
    /// costs N d^2 and more, so it gets a budget: 5 steps of at most 5 Hessian products each,
    /// which keeps the section of a 50,000-image report near the cost of its statistics.
    /// `fidviz classes` runs to convergence; a report that stops early says its minimum is an
    /// upper bound.
    public static func report(rows: Int, dimension: Int) -> NullSpaceOptimizer {
        rows <= dimension ? NullSpaceOptimizer(maximumIterations: 20)
            : NullSpaceOptimizer(maximumIterations: 5, hessianProductsPerStep: 5)
    }

    public enum StopReason: String, Sendable {
        case toleranceReached = "decrease below tolerance"
        case noFurtherDecrease = "no decrease along the Newton step (stationary at float64 resolution)"
        case iterationLimit = "iteration limit"
        case stepBudgetSpent = "a step's Hessian-product budget spent without lowering FID"
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
        /// sum_i w_i g_i - min_i g_i at the result, g from Float64 rotated rows.
        public let frankWolfeGap: Double
        /// 1 / sum w_i^2.
        public let effectiveSampleSize: Double
        /// FID evaluations (eigendecompositions), gradients (N x d x d products) and Hessian
        /// products (N x m x m, Float32) done.
        public let fidEvaluations: Int
        public let gradientEvaluations: Int
        public let hessianProducts: Int
        /// Where the time went.
        public let seconds: Seconds
    }

    /// Wall seconds of each part of the optimiser's work (profiling; `fidviz-bench --nullspace`).
    public struct Seconds: Sendable {
        /// Co-moments sum_i v_i x_i x_i^T of weights and of steps (N d^2 / 2 each).
        public var moments = 0.0
        /// FID from moments: the d x d congruence and its eigendecomposition (or the k x k one).
        public var spectra = 0.0
        /// Gradients from a spectrum: the rotated rows Y = X B and each row's form.
        public var gradients = 0.0
        /// The curvature at a point: the Hessian's diagonal.
        public var curvature = 0.0
        /// Hessian products H p.
        public var products = 0.0

        /// Runs `body`, adding its wall time to the part at `part`.
        mutating func timed<T>(_ part: WritableKeyPath<Seconds, Double>, _ body: () throws -> T) rethrows -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            defer { self[keyPath: part] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            return try body()
        }
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
        var search = try NewtonSearch(objective: objective, weights: start, productsPerStep: hessianProductsPerStep)
        var trace = [search.fid]
        var reason = StopReason.iterationLimit
        iterating: while trace.count <= maximumIterations {
            let before = search.fid
            switch try search.step(tolerance: relativeTolerance) {
            case .converged:
                reason = .toleranceReached
                break iterating
            case .stalled:
                reason = .noFurtherDecrease
                break iterating
            case .budgetSpent:
                reason = .stepBudgetSpent
                break iterating
            case .stepped(let full):
                trace.append(search.fid)
                progress?(trace.count - 1, search.fid)
                if full && before - search.fid <= relativeTolerance * abs(search.fid) {
                    reason = .toleranceReached
                    break iterating
                }
            }
        }
        let weights = search.w
        let gap = search.frankWolfeGap()
        return Result(
            weights: weights, fid: try objective.distance(weights: weights),
            fidTrace: trace, iterations: trace.count - 1, converged: reason == .toleranceReached || reason == .noFurtherDecrease,
            reason: reason, frankWolfeGap: gap,
            effectiveSampleSize: WeightedStatistics.effectiveSampleSize(weights),
            fidEvaluations: search.evaluations + 1, gradientEvaluations: search.gradients,
            hessianProducts: search.hessianProducts, seconds: search.seconds)
    }
}
