/// An error with advice that applies to this command only, printed after the error itself.
struct HintedError: Error {
    /// The error that happened.
    var underlying: any Error
    /// What the person can do next.
    var hint: String
}
