/// A failure found by infusionctl itself, with a sentence that says what to do.
struct CommandFailure: Error {
    /// What failed and what to do.
    var message: String

    /// Creates a failure with its message.
    init(_ message: String) { self.message = message }
}
