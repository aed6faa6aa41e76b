import Foundation
import OutreachCore

/// One message the rendering benchmark renders: a rule's shipped template in one language, with
/// its occurrence (customer, purchase or ticket) built once, outside the timed loop.
public struct RenderCase: Sendable {
    /// The template's name (`post_purchase`).
    public var template: String
    /// The language (`hu`, `sv`, `th`, `en`).
    public var language: String
    public var occurrence: Occurrence

    /// `post_purchase.hu`: the benchmark's name and the key chevron's results are matched by.
    public var name: String { "\(template).\(language)" }
}
