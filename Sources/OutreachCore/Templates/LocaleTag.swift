import Foundation

/// BCP 47 locale handling for template lookup and formatting.
public enum LocaleTag {
    /// Lower-case with `-` separators: `sv_SE` and `SV-se` both become `sv-se`.
    public static func normalize(_ tag: String) -> String {
        let trimmed = tag.trimmingWhitespace()
        return (trimmed.contains("_") ? trimmed.replacingOccurrences(of: "_", with: "-") : trimmed).lowercased()
    }

    /// The lookup order for `tag`: the full locale, its language, then the default (`""`).
    public static func fallbackChain(_ tag: String?) -> [String] {
        guard let tag, !tag.trimmingWhitespace().isEmpty else { return [""] }
        let full = normalize(tag)
        var chain = [full]
        if let language = full.split(separator: "-").first.map(String.init), language != full { chain.append(language) }
        chain.append("")
        return chain
    }

    /// The Foundation locale for formatting, with the region a bare language implies, so that `th`
    /// formats like `th_TH` (Buddhist era) and `hu` like `hu_HU`.
    public static func formattingLocale(_ tag: String) -> Locale {
        let full = normalize(tag)
        let parts = full.split(separator: "-").map(String.init)
        guard let language = parts.first, !language.isEmpty else { return Locale(identifier: "en_US") }
        if parts.count >= 2, parts[1].count == 2 { return Locale(identifier: "\(language)_\(parts[1].uppercased())") }
        let regions = ["hu": "HU", "sv": "SE", "th": "TH", "en": "US", "de": "DE", "fi": "FI", "da": "DK", "nb": "NO", "fr": "FR", "ja": "JP"]
        return Locale(identifier: regions[language].map { "\(language)_\($0)" } ?? language)
    }

    /// Languages that write the family name first, so the given name is the last word.
    static let familyNameFirst: Set<String> = ["hu", "ja", "zh", "ko", "vi"]

    /// The given name for a greeting: the first word, or the last in family-name-first languages.
    public static func firstName(of name: String, locale: String) -> String {
        let words = name.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let first = words.first else { return name }
        let language = normalize(locale).split(separator: "-").first.map(String.init) ?? ""
        return familyNameFirst.contains(language) ? words.last ?? first : first
    }
}
