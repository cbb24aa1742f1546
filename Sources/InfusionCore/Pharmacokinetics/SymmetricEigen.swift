/// The eigen-decomposition of a small real symmetric matrix by cyclic Jacobi rotations.
///
/// Deterministic and accurate to rounding for the 2×2 and 3×3 matrices of compartment models; used instead of a
/// general eigen solver because a mammillary model's rate matrix is similar to a symmetric one, whose eigenvalues
/// are real.
struct SymmetricEigen: Sendable, Hashable {
    /// The eigenvalues, in the order of `vectors`' columns.
    let values: [Double]
    /// Orthonormal eigenvectors as columns: `vectors[row][column]`.
    let vectors: [[Double]]

    /// Decomposes `matrix`, which must be square and symmetric.
    init(_ matrix: [[Double]]) {
        let n = matrix.count
        var a = matrix
        var v = (0..<n).map { row in (0..<n).map { $0 == row ? 1.0 : 0.0 } }
        // Each sweep zeroes every off-diagonal entry once; convergence is quadratic, so a few sweeps suffice.
        for _ in 0..<100 {
            var offDiagonal = 0.0
            for p in 0..<n { for q in (p + 1)..<n { offDiagonal += a[p][q] * a[p][q] } }
            if offDiagonal == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where a[p][q] != 0 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        values = (0..<n).map { a[$0][$0] }
        vectors = v
    }
}
