import CBLAS

// MARK: - Second derivatives of FID(w)

extension WeightedFrechetDistance {
    /// The Hessian H of FID(w) with respect to the weights at one point, as products H p and its
    /// diagonal, for Newton steps (`NullSpaceOptimizer`). Nothing here decomposes a matrix:
    /// everything comes from the spectrum M = F^T S_w F = Q diag(lambda) Q^T that the point's FID
    /// and gradient already needed.
    ///
    /// With x_i = f_i - c, delta = mu_w - c, B = F Q on the m eigenvalues above the pseudo-inverse
    /// cutoff, y_i = B^T x_i and u = B^T delta, the gradient of `WeightedFrechetDistance` is
    /// g_i = s |x_i|^2 - s y_i^T diag(lambda^{-1/2}) y_i + 2 s u^T diag(lambda^{-1/2}) y_i + (linear
    /// in x_i) + const. Along a direction p, S_w changes by dS = s (X^T diag(p) X - d delta delta^T
    /// - delta d delta^T), d delta = X^T p, and A M^{-1/2} A by the Daleckii-Krein formula
    ///
    ///     B^T d(A M^{-1/2} A) B = E = (B^T dS B) o D,   D_ab = -1 / (r_a r_b (r_a + r_b)),  r = sqrt(lambda)
    ///
    /// (D_aa = -lambda_a^{-3/2} / 2, the derivative of lambda^{-1/2}). Hence, with du = B^T d delta,
    ///
    ///     (H p)_i = 2 (1 - s) x_i . d delta + 2 s y_i . (lambda^{-1/2} o du + E u) - s y_i^T E y_i
    ///
    /// (the constant of g left out: it adds a constant vector, which no direction on the simplex,
    /// sum p_i = 0, sees). The diagonal, p = e_i, is
    ///
    ///     H_ii = 2 (1 - s) |x_i|^2 + 2 s a_i . lambda^{-1/2} - s^2 a_i^T D a_i + 4 s^2 a_i^T D b_i
    ///            - 2 s^2 b_i^T D b_i - 2 s^2 a_i^T D (u o u),   a_i = y_i o y_i,  b_i = y_i o u.
    ///
    /// Cost: Y = X B (`Rotation`, shared with the gradient), the diagonal two N x m x m products;
    /// each H p one weighted co-moment Y^T diag(p) Y (N m^2 / 2, `ssyrk`) and one N x m x m
    /// product. Y and these products are Float32: the Hessian only shapes the steps, while every
    /// FID the steps are judged by stays Float64 (docs/maths.md).
    struct Curvature {
        /// B, Y and lambda on the kept eigenvalues.
        let rotation: Rotation
        /// u = B^T delta, [m].
        let offset: [Double]
        /// D, row-major [m, m].
        let divided: [Double]
        /// H_ii, [N].
        fileprivate(set) var diagonal: [Double] = []

        var objective: WeightedFrechetDistance { rotation.objective }
        /// N and m.
        var count: Int { rotation.objective.rows.count }
        var kept: Int { rotation.kept }
    }

    /// The curvature at the point `rotation` was made from, whose offset mu_w - c is `offset`.
    func curvature(at point: Point, rotation: Rotation) -> Curvature {
        let m = rotation.kept
        let roots = rotation.roots
        var divided = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in 0..<m { divided[a * m + b] = -1 / (roots[a] * roots[b] * (roots[a] + roots[b])) }
        }
        var curvature = Curvature(rotation: rotation, offset: rotation.toBasis(point.offset), divided: divided)
        curvature.diagonal = curvature.hessianDiagonal()
        return curvature
    }

    /// The curvature at `point` (which must carry its spectrum).
    func curvature(at point: Point) -> Curvature {
        curvature(at: point, rotation: rotation(at: point))
    }

    /// M's kept eigenvectors as the rows see them: B = F Q on the m eigenvalues of M above the
    /// pseudo-inverse cutoff, and the rotated rows Y = X B (x_i = f_i - c), which the gradient
    /// and the curvature both read. Y is Float32, kept when it fits `storedLimit` (256 MiB; N =
    /// 32,768 at m = 2048), otherwise each block of rows is rotated again when it is read.
    struct Rotation {
        let objective: WeightedFrechetDistance
        let kept: Int
        /// sqrt(lambda) on the kept eigenvalues, [m].
        let roots: [Double]
        /// B, row-major [d, m], in Float64 and Float32.
        let basis: [Double], basis32: [Float]
        /// Y, row-major [N, m], when it fits `storedLimit`.
        let rotated: [Float]?

        /// The largest Y kept in memory, in Float32 values.
        static let storedLimit = 1 << 26
    }

    /// The rotation at `point` (which must carry its spectrum); Y kept when `keepingRows`, by
    /// default when it fits `Rotation.storedLimit`.
    func rotation(at point: Point, keepingRows: Bool? = nil) -> Rotation {
        guard let spectrum = point.spectrum else {
            preconditionFailure("WeightedFrechetDistance needs the eigenvectors of M here")
        }
        let d = rows.dimension, n = rows.count
        let cutoff = FrechetDistance.pseudoInverseCutoff(eigenvalues: spectrum.lambda)
        let keptIndices = (0..<d).filter { spectrum.lambda[$0] > cutoff }
        let m = keptIndices.count
        var basis = [Double](repeating: 0, count: d * m)
        for (a, k) in keptIndices.enumerated() {
            for i in 0..<d { basis[i * m + a] = spectrum.transform[i * d + k] }
        }
        let basis32 = basis.map(Float.init)
        let rotated = keepingRows ?? (n * m <= Rotation.storedLimit) ? rows.projected(onto: basis32, columns: m, centre: centre) : nil
        return Rotation(objective: self, kept: m, roots: keptIndices.map { spectrum.lambda[$0].squareRoot() },
                        basis: basis, basis32: basis32, rotated: rotated)
    }
}

extension WeightedFrechetDistance.Rotation {
    /// B^T v, [m], for v [d]: a vector in the kept eigenvectors' coordinates.
    func toBasis(_ v: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: kept)
        guard kept > 0 else { return result }
        let d = objective.rows.dimension
        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(d), Int32(kept), 1.0, basis, Int32(kept), v, 1, 0.0, &result, 1)
        return result
    }

    /// B u, [d], for u [m]: back to feature coordinates.
    func fromBasis(_ u: [Double]) -> [Double] {
        let d = objective.rows.dimension
        var result = [Double](repeating: 0, count: d)
        guard kept > 0 else { return result }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(d), Int32(kept), 1.0, basis, Int32(kept), u, 1, 0.0, &result, 1)
        return result
    }

    /// Calls `body(first row, Y of the block [rows, m], rows)` for each block of rows. With Y in
    /// memory, in order on this thread. Otherwise each block is rotated again (`rotatingEachBlock`),
    /// possibly two halves at once: `body` then writes only state of its own rows.
    func forEachBlock(_ body: (Int, UnsafePointer<Float>, Int) -> Void) {
        guard let rotated else { return rotatingEachBlock(basis: basis32, body) }
        let m = kept, count = objective.rows.count
        rotated.withUnsafeBufferPointer { y in
            var start = 0
            while start < count {
                let end = min(start + FeatureRows.blockRows, count)
                body(start, y.baseAddress! + start * m, end - start)
                start = end
            }
        }
    }

    /// `forEachBlock` with Y computed again in `T` (Float64 for a gradient in Float64).
    func forEachBlock<T: BLASScalar>(as _: T.Type, _ body: (Int, UnsafePointer<T>, Int) -> Void) {
        rotatingEachBlock(basis: basis.map { T($0) }, body)
    }

    /// Each block of Y = (F - 1 c^T) B rotated from the rows, in whole blocks; the rows split in
    /// two halves on two cores at once as `FeatureRows.inParts` splits them (the rotation is
    /// N d m multiply-adds, most of a gradient's or a curvature set-up's work at large N).
    private func rotatingEachBlock<T: BLASScalar>(basis: [T], _ body: (Int, UnsafePointer<T>, Int) -> Void) {
        let m = kept, blockRows = FeatureRows.blockRows
        FeatureRows.inParts(objective.rows.count) { part in
            var scratch = [T](repeating: 0, count: blockRows * m)
            var start = part.lowerBound
            while start < part.upperBound {
                let end = min(start + blockRows, part.upperBound)
                scratch.withUnsafeMutableBufferPointer { block in
                    objective.rows.project(start..<end, onto: basis, columns: m, centre: objective.centre,
                                           into: block.baseAddress!)
                    body(start, block.baseAddress!, end - start)
                }
                start = end
            }
        }
    }
}

extension WeightedFrechetDistance.Curvature {
    private func forEachBlock(_ body: (Int, UnsafePointer<Float>, Int) -> Void) {
        rotation.forEachBlock(body)
    }

    /// H_ii by the formula above: a_i^T D and b_i^T D are two N x m x m products.
    fileprivate func hessianDiagonal() -> [Double] {
        let n = count, m = kept, s = objective.scale
        let norms = objective.squaredNorms
        var result = (0..<n).map { 2 * (1 - s) * norms[$0] }
        let inverseRoot = rotation.roots.map { 1 / $0 }
        guard m > 0 else { return result }
        let u = offset
        let uSquared = u.map { $0 * $0 }
        let d32 = divided.map(Float.init)
        // Blocks may come two at a time (`Rotation.forEachBlock`): scratch per block, each row
        // written once.
        result.withUnsafeMutableBufferPointer { out in
            let out = out
            forEachBlock { start, y, rows in
                var a = [Float](repeating: 0, count: rows * m), b = a, ad = a, bd = a
                for r in 0..<rows {
                    for k in 0..<m {
                        let value = y[r * m + k]
                        a[r * m + k] = value * value
                        b[r * m + k] = value * Float(u[k])
                    }
                }
                Float.gemm(rows: rows, columns: m, inner: m, a, d32, &ad, beta: 0)
                Float.gemm(rows: rows, columns: m, inner: m, b, d32, &bd, beta: 0)
                for r in 0..<rows {
                    var linear = 0.0, aDa = 0.0, aDb = 0.0, bDb = 0.0, aDu = 0.0
                    for k in 0..<m {
                        let index = r * m + k
                        let ai = Double(a[index]), bi = Double(b[index]), adi = Double(ad[index])
                        linear += ai * inverseRoot[k]
                        aDa += adi * ai
                        aDb += adi * bi
                        bDb += Double(bd[index]) * bi
                        aDu += adi * uSquared[k]
                    }
                    out[start + r] += 2 * s * linear + s * s * (-aDa + 4 * aDb - 2 * bDb - 2 * aDu)
                }
            }
        }
        return result
    }

    /// H p, [N] (without the constant vector, see above), for any p [N]. With Y in memory, from
    /// Y; otherwise in feature space (`timesInFeatureSpace`), which never forms Y.
    func times(_ p: [Double]) -> [Double] {
        precondition(p.count == count, "Curvature.times: [\(p.count)] for \(count) rows")
        return rotation.rotated == nil ? timesInFeatureSpace(p) : timesFromRotatedRows(p)
    }

    /// E = s (S - du u^T - u du^T) o D, symmetric [m, m], and t = 2 s (lambda^{-1/2} o du + E u)
    /// [m], from S = Y^T diag(p) Y [m, m] (upper triangle read) and du = B^T X^T p.
    private func stepTerms(gram: (Int, Int) -> Double, du: [Double]) -> (e: [Double], t: [Double]) {
        let m = kept, s = objective.scale
        var e = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in a..<m {
                let value = s * (gram(a, b) - du[a] * offset[b] - offset[a] * du[b]) * divided[a * m + b]
                e[a * m + b] = value
                e[b * m + a] = value
            }
        }
        var t = (0..<m).map { 2 * s * du[$0] / rotation.roots[$0] }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(m), 2 * s, e, Int32(m), offset, 1, 1.0, &t, 1)
        return (e, t)
    }

    /// H p from the rotated rows Y: S = Y^T diag(p) Y by `ssyrk`, then y_i . t - s y_i^T E y_i by
    /// one N x m x m product (N m^2 / 2 + N m^2 multiply-adds).
    func timesFromRotatedRows(_ p: [Double]) -> [Double] {
        precondition(rotation.rotated != nil, "Curvature.timesFromRotatedRows needs Y in memory")
        let rows = objective.rows, centre = objective.centre
        let m = kept, s = objective.scale
        let shift = rows.weightedSum(p, centre: centre)  // d delta = X^T p
        var result = rows.dots(shift, centre: centre).map { 2 * (1 - s) * $0 }
        guard m > 0 else { return result }
        // S = Y^T diag(p) Y, upper triangle: each block's rows of positive and of negative p,
        // scaled by sqrt|p|.
        var gram = [Float](repeating: 0, count: m * m)
        var scaled = [Float](repeating: 0, count: FeatureRows.blockRows * m)
        forEachBlock { start, y, rows in
            for sign in [1.0, -1.0] {
                var chosen = 0
                for r in 0..<rows where sign * p[start + r] > 0 {
                    let factor = Float((sign * p[start + r]).squareRoot())
                    for k in 0..<m { scaled[chosen * m + k] = y[r * m + k] * factor }
                    chosen += 1
                }
                if chosen > 0 {
                    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(m), Int32(chosen), Float(sign),
                                scaled, Int32(m), 1, &gram, Int32(m))
                }
            }
        }
        let (e, t) = stepTerms(gram: { Double(gram[$0 * m + $1]) }, du: rotation.toBasis(shift))
        let e32 = e.map(Float.init)
        var ye = [Float](repeating: 0, count: FeatureRows.blockRows * m)
        forEachBlock { start, y, rows in
            Float.gemm(rows: rows, columns: m, inner: m, y, e32, &ye, beta: 0)
            for r in 0..<rows {
                var linear = 0.0, quadratic = 0.0
                for k in 0..<m {
                    let value = Double(y[r * m + k])
                    linear += value * t[k]
                    quadratic += value * Double(ye[r * m + k])
                }
                result[start + r] += linear - s * quadratic
            }
        }
        return result
    }

    /// H p without Y, for when Y is not kept (rotating every row again would cost 2 N d m per
    /// product): S = B^T (X^T diag(p) X) B from the rows' own co-moment, and
    /// y_i . t - s y_i^T E y_i = x_i . (B t) - s x_i^T (B E B^T) x_i as the rows' quadratic forms
    /// (N d^2 / 2 + N d^2 multiply-adds in Float32, each split across the cores like
    /// `FeatureRows.weightedMoments`, plus four d x d x m products).
    func timesInFeatureSpace(_ p: [Double]) -> [Double] {
        let rows = objective.rows, centre = objective.centre
        let d = rows.dimension, m = kept, s = objective.scale
        let (coMoment, shift) = rows.weightedMoments(p, centre: centre, as: Float.self)  // X^T diag(p) X, X^T p
        var linear = shift.map { 2 * (1 - s) * $0 }
        guard m > 0 else { return rows.dots(linear, centre: centre) }
        let basis = rotation.basis
        // S = B^T (X^T diag(p) X) B.
        var side = [Double](repeating: 0, count: d * m)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(m), Int32(d), 1, coMoment, Int32(d),
                    basis, Int32(m), 0, &side, Int32(m))
        var gram = [Double](repeating: 0, count: m * m)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(m), Int32(d), 1, basis, Int32(m),
                    side, Int32(m), 0, &gram, Int32(m))
        let (e, t) = stepTerms(gram: { gram[$0 * m + $1] }, du: rotation.toBasis(shift))
        // linear += B t; form = -s B E B^T.
        let bt = rotation.fromBasis(t)
        for j in 0..<d { linear[j] += bt[j] }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(m), Int32(m), 1, basis, Int32(m),
                    e, Int32(m), 0, &side, Int32(m))
        var form = [Double](repeating: 0, count: d * d)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(d), Int32(d), Int32(m), -s, side, Int32(m),
                    basis, Int32(m), 0, &form, Int32(d))
        return rows.quadraticForms(form.map(Float.init), linear: linear, centre: centre)
    }
}
