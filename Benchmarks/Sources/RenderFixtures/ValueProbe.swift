import Foundation
import OutreachCore

/// Reads the values outreachd renders a case with, through outreachd's own renderer: a probe
/// template per rule prints every variable the rule provides, so chevron gets exactly the same
/// data (first name, dates and amounts as outreachd formats them) without reaching into internals.
public struct ValueProbe {
    /// Between a variable's name and its value in the probe's output.
    static let separator = "\u{1F}"

    let templates: TemplateSet
    let configuration: Configuration
    let folder: String

    /// Writes `probe_RULE.txt` for every rule into a temporary folder and loads it.
    public init(_ fixtures: RenderFixtures) throws {
        folder = NSTemporaryDirectory() + "outreachd-value-probe-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for rule in fixtures.configuration.rules {
            // Each line inside a section on the variable: one the customer has no value for prints nothing.
            let lines = TemplateVariables.available(for: rule, in: fixtures.configuration).sorted()
                .map { "{{#\($0)}}\($0)\(Self.separator){{\($0)}}\n{{/\($0)}}" }
            try ("Subject: probe\n\n" + lines.joined()).write(toFile: folder + "/probe_\(rule.name).txt", atomically: true, encoding: .utf8)
        }
        let (templates, diagnostics) = TemplateSet.load(folder: folder)
        guard diagnostics.isEmpty else { throw DiagnosticError(diagnostics) }
        self.templates = templates
        configuration = fixtures.configuration
    }

    /// Removes the probe's folder.
    public func remove() { try? FileManager.default.removeItem(atPath: folder) }

    /// The case's values, nested by prefix as Mustache looks them up (`["purchase": ["item": …]]`).
    public func values(_ renderCase: RenderCase) throws -> [String: Any] {
        var occurrence = renderCase.occurrence
        occurrence.rule.template = "probe_\(occurrence.rule.name)"
        var values: [String: Any] = [:]
        for line in try templates.render(occurrence, configuration: configuration).body.split(separator: "\n") {
            let parts = line.components(separatedBy: Self.separator)
            guard parts.count == 2 else { continue }
            let path = parts[0].split(separator: ".").map(String.init)
            if path.count == 1 {
                values[path[0]] = parts[1]
            } else {
                var group = values[path[0]] as? [String: Any] ?? [:]
                group[path[1...].joined(separator: ".")] = parts[1]
                values[path[0]] = group
            }
        }
        return values
    }
}
