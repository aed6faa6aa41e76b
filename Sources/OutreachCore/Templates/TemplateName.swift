/// A name as a tag writes it, split for lookup: `customer.first_name`, `.`, `.item`.
struct TemplateName: Sendable, Hashable {
    /// As written, for messages.
    var text: String
    /// The dotted parts, empty ones dropped (`a..b` is `a`, `b`).
    var parts: [String]
    /// A leading `.`: looked up in the innermost section's value only (`.` itself is that value).
    var anchored: Bool
    /// swift-mustache's functions (`uppercased(name)`), outermost first; outreachd does not support them.
    var transforms: [String]

    init(_ text: String, transforms: [String] = []) {
        self.text = text
        self.parts = text.split(separator: ".").map(String.init)
        self.anchored = text.first == "."
        self.transforms = transforms
    }
}
