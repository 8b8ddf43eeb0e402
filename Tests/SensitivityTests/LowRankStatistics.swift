import Frechet
@testable import NumpyFiles

/// The contribution evaluator of a golden statistics fixture: reference and generated
/// statistics sigma = b b^T + ridge I (`mu_r`, `b_r`, `mu_g`, `b_g`, `ridge`) and the generated
/// set's size once the image has joined it (`n`).
func lowRankContribution(_ fixture: [String: NpyArray]) throws -> FIDContribution {
    func statistics(_ side: String) -> FrechetStatistics {
        let b = fixture["b_\(side)"]!
        let d = b.shape[0], r = b.shape[1]
        let values = b.doubles()!, ridge = fixture["ridge"]!.scalarDouble()!
        var sigma = [Double](repeating: 0, count: d * d)
        for i in 0 ..< d {
            for j in 0 ..< d {
                var sum = 0.0
                for k in 0 ..< r { sum += values[i * r + k] * values[j * r + k] }
                sigma[i * d + j] = sum + (i == j ? ridge : 0)
            }
        }
        return FrechetStatistics(mu: fixture["mu_\(side)"]!.doubles()!, sigma: sigma)
    }
    let n = Int(fixture["n"]!.int64s()![0])
    return try FIDContribution(reference: statistics("r"), generated: statistics("g"), n: n)
}
