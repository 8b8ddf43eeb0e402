// MARK: - Replacing the characters a format reserves

/// The one escaping loop behind HTML's entities (`HTMLEscaping.text`) and JSON's string escapes
/// (`JSONValue`): each Unicode scalar of a text is either replaced by its escape or copied as it
/// is. It walks scalars, not Characters, so a combining mark after a quote cannot hide the quote.
enum ScalarEscaping {
    /// Appends `text` to `out`, each scalar for which `escape` gives a replacement replaced by it.
    static func append(_ text: String, to out: inout String, escape: (Unicode.Scalar) -> String?) {
        for scalar in text.unicodeScalars {
            if let replacement = escape(scalar) {
                out += replacement
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
}
