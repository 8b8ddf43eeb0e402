/// Gradient routing decided by a float64 forward pass and replayed on a float32 tape.
///
/// A ReLU/max-pool network's gradient is piecewise: each ReLU passes or blocks, each max pool
/// picks one window cell. Where a pre-activation or two pool candidates lie within float32
/// rounding of each other, float32 and float64 choose differently and the input gradient jumps.
/// `Tensor64` runs the same kernels in Double and logs every choice in a `Routing`; a `Tape`
/// built with `Tape(replaying:)` then makes its float32 ReLUs and max pools take those choices.

/// One routing choice: a ReLU's pass mask (x > 0) or a max pool's argmax per output
/// (index inside the input plane, chosen by `WindowMaximum`).
public enum RoutingDecision: Equatable {
    case relu(mask: [Bool])
    case maxPool(argmax: [Int32])

    /// "relu mask of N" / "max-pool argmax of N", for precondition messages.
    var summary: String {
        switch self {
        case .relu(let mask): return "relu mask of \(mask.count)"
        case .maxPool(let argmax): return "max-pool argmax of \(argmax.count)"
        }
    }
}

/// The routing choices of one forward pass, in call order.
public final class Routing {
    public private(set) var decisions: [RoutingDecision] = []

    public init() {}

    /// A log given in full (tests replay chosen decisions through `@testable import`).
    init(decisions: [RoutingDecision]) {
        self.decisions = decisions
    }

    func append(_ decision: RoutingDecision) { decisions.append(decision) }
}
