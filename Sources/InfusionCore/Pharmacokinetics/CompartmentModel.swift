import Foundation

/// The first-order transfer rates between the central compartment and one peripheral compartment, per minute.
public struct PeripheralRates: Codable, Sendable, Hashable {
    /// From the central compartment to this one (k12, k13).
    public var fromCentral: Double
    /// From this compartment back to the central one (k21, k31).
    public var toCentral: Double

    public init(fromCentral: Double, toCentral: Double) {
        self.fromCentral = fromCentral
        self.toCentral = toCentral
    }
}

/// A linear mammillary compartment model (CLINICAL §4): drug enters and leaves through the central compartment,
/// which exchanges with up to two peripheral ones. Amounts are in mg, time in minutes, volumes in litres, so the
/// central concentration x1/V1 is in mg/L = µg/mL.
///
/// Between events the input rate is constant, so the state is advanced exactly with the matrix exponential:
/// x(t+Δt) = e^{AΔt}·x + A⁻¹(e^{AΔt} − I)·[R, 0, …]ᵀ. The rate matrix A of a mammillary model is similar to a
/// symmetric matrix (scale compartment i by √(V_i/V1)), so it is diagonalised once with real eigenvalues and each
/// update is a handful of exponentials: no time steps, no accumulated integration error.
public struct CompartmentModel: Sendable, Hashable {
    /// The central volume V1 in litres.
    public let centralVolumeL: Double
    /// Elimination from the central compartment, per minute.
    public let k10: Double
    /// The peripheral compartments' transfer rates.
    public let peripherals: [PeripheralRates]

    /// √(V_i/V1) for each compartment, the similarity scaling that makes A symmetric.
    private let scale: [Double]
    private let eigen: SymmetricEigen

    /// A model from its central volume and rate constants; every rate must be positive.
    public init(centralVolumeL: Double, k10: Double, peripherals: [PeripheralRates]) {
        precondition(centralVolumeL > 0 && k10 > 0, "a compartment model needs a positive V1 and k10")
        precondition(peripherals.allSatisfy { $0.fromCentral > 0 && $0.toCentral > 0 }, "transfer rates must be positive")
        self.centralVolumeL = centralVolumeL
        self.k10 = k10
        self.peripherals = peripherals
        let n = peripherals.count + 1
        let scale = [1.0] + peripherals.map { ($0.fromCentral / $0.toCentral).squareRoot() }
        // S = D⁻¹ A D with D = diag(scale): S[0][0] = −(k10 + Σ k1n), S[n][n] = −kn1, S[0][n] = S[n][0] = √(k1n·kn1).
        var symmetric = Array(repeating: Array(repeating: 0.0, count: n), count: n)
        symmetric[0][0] = -(k10 + peripherals.reduce(0) { $0 + $1.fromCentral })
        for (offset, rates) in peripherals.enumerated() {
            let i = offset + 1
            symmetric[i][i] = -rates.toCentral
            symmetric[0][i] = (rates.fromCentral * rates.toCentral).squareRoot()
            symmetric[i][0] = symmetric[0][i]
        }
        self.scale = scale
        self.eigen = SymmetricEigen(symmetric)
    }

    /// How many compartments the model has (2 or 3 for the shipped sets).
    public var compartments: Int { peripherals.count + 1 }

    /// The state with no drug in the body.
    public var empty: [Double] { Array(repeating: 0, count: compartments) }

    /// The amounts after `minutes` at a constant input of `rateMgPerMin` into the central compartment.
    public func advance(_ amounts: [Double], minutes: Double, rateMgPerMin: Double) -> [Double] {
        guard minutes > 0 else { return amounts }
        let n = compartments
        let q = eigen.vectors
        // Into the eigenbasis: y = Qᵀ D⁻¹ x; the input b = [R, 0, …] becomes Qᵀ D⁻¹ b = R·Q[0][k] (scale[0] = 1).
        var next = Array(repeating: 0.0, count: n)
        for k in 0..<n {
            let lambda = eigen.values[k]
            var y = 0.0
            for i in 0..<n { y += q[i][k] * amounts[i] / scale[i] }
            let decay = expm1(lambda * minutes)
            // e^{λΔ}·y + (e^{λΔ} − 1)/λ · (input in the eigenbasis)
            let evolved = (decay + 1) * y + decay / lambda * rateMgPerMin * q[0][k]
            for i in 0..<n { next[i] += scale[i] * q[i][k] * evolved }
        }
        return next
    }

    /// The central concentration in µg/mL (mg/L) for a state.
    public func concentration(_ amounts: [Double]) -> Double { amounts[0] / centralVolumeL }

    /// The steady-state central concentration of a constant input: R / (k10·V1) (= R / clearance).
    public func steadyStateConcentration(rateMgPerMin: Double) -> Double { rateMgPerMin / (k10 * centralVolumeL) }
}
