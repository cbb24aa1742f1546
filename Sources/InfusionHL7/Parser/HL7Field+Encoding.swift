extension HL7Field {
    /// The field written back with these delimiters, escaping each leaf and dropping trailing empty parts, as
    /// an acknowledgement copies MSH-3 and MSH-4 into its own MSH-5 and MSH-6.
    public func encoded(with delimiters: HL7Delimiters) -> String {
        let repetition = String(Unicode.Scalar(delimiters.repetition))
        let component = String(Unicode.Scalar(delimiters.component))
        let subcomponent = String(Unicode.Scalar(delimiters.subcomponent))
        return repetitions.map { rep in
            rep.components.map { comp in
                comp.subcomponents.map { HL7Escaping.escape($0, delimiters: delimiters) }
                    .droppingTrailingEmpty().joined(separator: subcomponent)
            }.droppingTrailingEmpty().joined(separator: component)
        }.droppingTrailingEmpty().joined(separator: repetition)
    }
}

extension Array where Element == String {
    func droppingTrailingEmpty() -> [String] {
        var copy = self
        while copy.last?.isEmpty == true { copy.removeLast() }
        return copy
    }
}
