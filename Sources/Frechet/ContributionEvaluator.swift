// MARK: - Every image's contribution to one set's distance

/// The distance of one generated set from the reference, and each image's contribution to it:
/// how the distance changes when the image joins the set (the paper's per-sample contribution).
/// The O(d^3) precomputation happens when the evaluator is made; each image then costs O(d^2)
/// (`FIDContribution` for given statistics, `LeaveOneOutContribution` for a set's own members).
public struct ContributionEvaluator: Sendable {
    /// The distance of the whole set (FID before any image joins, or of all members).
    public let setDistance: Double
    private let body: @Sendable ([Double], Bool) -> SampleContribution

    /// Images join a set of `n - 1` samples with statistics `generated` (`FIDContribution`).
    public init(reference: FrechetStatistics, joining generated: FrechetStatistics, n: Int) throws {
        let contribution = try FIDContribution(reference: reference, generated: generated, n: n)
        setDistance = contribution.fidBefore
        body = { contribution.evaluate(feature: $0, gradient: $1) }
    }

    /// Each image is a member of the set `members` summarises and joins the others
    /// (`LeaveOneOutContribution`).
    public init(reference: FrechetStatistics, leaveOneOutOf members: FrechetStatistics) throws {
        let contribution = try LeaveOneOutContribution(reference: reference, set: members)
        setDistance = contribution.fidFull
        body = { contribution.evaluate(member: $0, gradient: $1) }
    }

    /// The contribution of the image with `feature` [d]; with `gradient`, also dFID_after/df
    /// (otherwise `gradient` is empty, and the d x d products it needs are skipped).
    public func evaluate(_ feature: [Double], gradient: Bool) -> SampleContribution {
        body(feature, gradient)
    }
}
