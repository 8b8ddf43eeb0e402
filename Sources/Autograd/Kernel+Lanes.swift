#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The transcendental functions the transformer's kernels need (e^x for softmax and GELU's
// derivative, erf for GELU), eight lanes at a time so that the elementwise loops vectorise.
// Float evaluates polynomials (no libm call per value); Double calls the C library per lane
// (no Double tensor runs these ops, but the kernels stay generic). Lane comparisons are written
// per concrete type: in generic code they compile to a loop over the lanes.

/// Eight values of a kernel's scalar type, processed together.
typealias Lanes<Scalar: SIMDScalar> = SIMD8<Scalar>

extension Float {
    /// e^x per lane: x = n ln2 + r with |r| <= ln2 / 2 (n rounded to nearest), Cephes' degree-5
    /// polynomial for e^r, then the exponent bits of 2^n. Within 1 ulp of e^x for
    /// -87.33 <= x <= 88; below that 0 (no subnormal results), above +infinity, NaN stays NaN.
    @inline(__always)
    static func exponential(_ x: Lanes<Float>) -> Lanes<Float> {
        let lowest: Float = -87.33654, highest: Float = 88
        var clamped = x
        clamped.replace(with: lowest, where: x .< lowest)
        clamped.replace(with: highest, where: x .> highest)
        // Rounds to nearest in float arithmetic: 1.5 * 2^23 pushes the fraction out of the mantissa,
        // whose low bits then hold n.
        let magic: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p: Lanes<Float> = Lanes(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let mantissa = p * (r * r) + r + 1
        let exponent = unsafeBitCast(shifted, to: Lanes<Int32>.self) &- Int32(bitPattern: magic.bitPattern) &+ 127
        var result = mantissa * unsafeBitCast(exponent &<< 23, to: Lanes<Float>.self)
        result.replace(with: 0, where: x .< lowest)
        result.replace(with: .infinity, where: x .> highest)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// erf(x) per lane: x P(x^2) / Q(x^2) on x clamped to [-4, 4] (erf(4) rounds to 1 in Float),
    /// the rational approximation Eigen and XLA use: within 5e-7 of erf (the most, 4.5e-7, near
    /// |x| = 3.9, where erf is within 2e-8 of 1), and to a few ulp relative near 0.
    @inline(__always)
    static func errorFunction(_ x: Lanes<Float>) -> Lanes<Float> {
        var t = x
        t.replace(with: -4, where: x .< -4)
        t.replace(with: 4, where: x .> 4)
        let t2 = t * t
        var p: Lanes<Float> = Lanes(repeating: -2.726_142_258_013_06e-10)
        p = p * t2 + 2.770_681_424_959_02e-08
        p = p * t2 - 2.101_024_020_825_08e-06
        p = p * t2 - 5.692_506_394_623_46e-05
        p = p * t2 - 7.349_906_303_268_55e-04
        p = p * t2 - 2.954_599_808_540_25e-03
        p = p * t2 - 1.609_603_332_624_15e-02
        var q: Lanes<Float> = Lanes(repeating: -1.456_607_184_649_96e-05)
        q = q * t2 - 2.133_740_552_789_05e-04
        q = q * t2 - 1.682_826_974_382_03e-03
        q = q * t2 - 7.373_329_167_204_68e-03
        q = q * t2 - 1.426_473_905_141_89e-02
        return t * p / q
    }
}

extension Float {
    @inline(__always)
    static func maximum(_ a: Lanes<Float>, _ b: Lanes<Float>) -> Lanes<Float> { a.replacing(with: b, where: b .> a) }
}

extension Double {
    @inline(__always)
    static func maximum(_ a: Lanes<Double>, _ b: Lanes<Double>) -> Lanes<Double> { a.replacing(with: b, where: b .> a) }

    /// e^x per lane, with the C library's `exp`.
    static func exponential(_ x: Lanes<Double>) -> Lanes<Double> {
        var y = x
        for i in y.indices { y[i] = exp(x[i]) }
        return y
    }

    /// erf(x) per lane, with the C library's `erf`.
    static func errorFunction(_ x: Lanes<Double>) -> Lanes<Double> {
        var y = x
        for i in y.indices { y[i] = erf(x[i]) }
        return y
    }
}

extension Kernel {
    /// y[i] = f(x[i]) for `count` values, eight lanes at a time (the tail's missing lanes hold
    /// `padding`, and f's results there are dropped). y may be x.
    @inline(__always)
    static func forEachLanes<Scalar: BLASScalar>(_ count: Int, _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>,
                                                 padding: Scalar = 0, _ f: (Lanes<Scalar>) -> Lanes<Scalar>) {
        let width = Lanes<Scalar>.scalarCount, whole = count - count % width
        var i = 0
        while i < whole {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: Lanes<Scalar>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: Lanes<Scalar>.self)
            i += width
        }
        guard whole < count else { return }
        var tail = Lanes<Scalar>(repeating: padding)
        for j in whole ..< count { tail[j - whole] = x[j] }
        let result = f(tail)
        for j in whole ..< count { y[j] = result[j - whole] }
    }

    /// y[i] = f(a[i], b[i]) for `count` values, eight lanes at a time (the tail padded with
    /// zeros). y may be a or b.
    @inline(__always)
    static func forEachLanes<Scalar: BLASScalar>(_ count: Int, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>,
                                                 _ y: UnsafeMutablePointer<Scalar>,
                                                 _ f: (Lanes<Scalar>, Lanes<Scalar>) -> Lanes<Scalar>) {
        let width = Lanes<Scalar>.scalarCount, whole = count - count % width
        var i = 0
        while i < whole {
            let u = UnsafeRawPointer(a + i).loadUnaligned(as: Lanes<Scalar>.self)
            let v = UnsafeRawPointer(b + i).loadUnaligned(as: Lanes<Scalar>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(u, v), as: Lanes<Scalar>.self)
            i += width
        }
        guard whole < count else { return }
        var u = Lanes<Scalar>(), v = Lanes<Scalar>()
        for j in whole ..< count { u[j - whole] = a[j]; v[j - whole] = b[j] }
        let result = f(u, v)
        for j in whole ..< count { y[j] = result[j - whole] }
    }

    /// y[i] = f(a[i], b[i], c[i]) for `count` values, eight lanes at a time (the tail padded
    /// with zeros).
    @inline(__always)
    static func forEachLanes<Scalar: BLASScalar>(_ count: Int, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>,
                                                 _ c: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>,
                                                 _ f: (Lanes<Scalar>, Lanes<Scalar>, Lanes<Scalar>) -> Lanes<Scalar>) {
        let width = Lanes<Scalar>.scalarCount, whole = count - count % width
        var i = 0
        while i < whole {
            let u = UnsafeRawPointer(a + i).loadUnaligned(as: Lanes<Scalar>.self)
            let v = UnsafeRawPointer(b + i).loadUnaligned(as: Lanes<Scalar>.self)
            let w = UnsafeRawPointer(c + i).loadUnaligned(as: Lanes<Scalar>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(u, v, w), as: Lanes<Scalar>.self)
            i += width
        }
        guard whole < count else { return }
        var u = Lanes<Scalar>(), v = Lanes<Scalar>(), w = Lanes<Scalar>()
        for j in whole ..< count { u[j - whole] = a[j]; v[j - whole] = b[j]; w[j - whole] = c[j] }
        let result = f(u, v, w)
        for j in whole ..< count { y[j] = result[j - whole] }
    }

    // MARK: - Reductions

    /// The sum of f(x[i]) over `count` values: eight running sums in the scalar type, added
    /// together in Double.
    @inline(__always)
    static func sumLanes<Scalar: BLASScalar>(_ count: Int, _ x: UnsafePointer<Scalar>,
                                             _ f: (Lanes<Scalar>) -> Lanes<Scalar>) -> Double {
        let width = Lanes<Scalar>.scalarCount, whole = count - count % width
        var sums = Lanes<Scalar>()
        var i = 0
        while i < whole {
            sums += f(UnsafeRawPointer(x + i).loadUnaligned(as: Lanes<Scalar>.self))
            i += width
        }
        var total = 0.0
        for lane in sums.indices { total += Double(sums[lane]) }
        guard whole < count else { return total }
        var tail = Lanes<Scalar>()
        for j in whole ..< count { tail[j - whole] = x[j] }
        let values = f(tail)
        for j in 0 ..< count - whole { total += Double(values[j]) }
        return total
    }

    /// The sum of f(a[i], b[i]) over `count` values, as `sumLanes(_:_:_:)` adds.
    @inline(__always)
    static func sumLanes<Scalar: BLASScalar>(_ count: Int, _ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>,
                                             _ f: (Lanes<Scalar>, Lanes<Scalar>) -> Lanes<Scalar>) -> Double {
        let width = Lanes<Scalar>.scalarCount, whole = count - count % width
        var sums = Lanes<Scalar>()
        var i = 0
        while i < whole {
            sums += f(UnsafeRawPointer(a + i).loadUnaligned(as: Lanes<Scalar>.self),
                      UnsafeRawPointer(b + i).loadUnaligned(as: Lanes<Scalar>.self))
            i += width
        }
        var total = 0.0
        for lane in sums.indices { total += Double(sums[lane]) }
        guard whole < count else { return total }
        var u = Lanes<Scalar>(), v = Lanes<Scalar>()
        for j in whole ..< count { u[j - whole] = a[j]; v[j - whole] = b[j] }
        let values = f(u, v)
        for j in 0 ..< count - whole { total += Double(values[j]) }
        return total
    }

    /// The largest of `count` values (count > 0), eight lanes at a time. NaNs compare false, so
    /// they are passed over, unless x[0] is one.
    @inline(__always)
    static func maximum<Scalar: BLASScalar>(_ count: Int, _ x: UnsafePointer<Scalar>) -> Scalar {
        let width = Lanes<Scalar>.scalarCount, whole = count - count % width
        var largest = Lanes<Scalar>(repeating: x[0])
        var i = 0
        while i < whole {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: Lanes<Scalar>.self)
            largest = Scalar.maximum(largest, v)
            i += width
        }
        var result = largest[0]
        for lane in largest.indices where largest[lane] > result { result = largest[lane] }
        for j in whole ..< count where x[j] > result { result = x[j] }
        return result
    }
}
