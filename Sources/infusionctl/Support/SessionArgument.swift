/// The help shared by every argument that names a session (``SessionReference``).
enum SessionArgument {
    /// One line for the argument list.
    static let help = "The session: its id, the start of it (at least 4 characters), or a patient id."

    /// How a short form is resolved.
    static let discussion = """
        The start of an id is enough when exactly one session's id starts with it (tables show 8 characters). \
        A patient id names that patient's one open session. Anything matching several sessions is refused with \
        the candidates listed.
        """
}
