import Foundation
import OutreachCore
import RenderFixtures

// render-fixtures OUT.json: every rendering case's template files, values and outreachd's output,
// for bench.py to render with chevron and check that both produce the same messages.
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: render-fixtures OUT.json\n".utf8))
    exit(1)
}
do {
    let fixtures = try RenderFixtures()
    let adapter = RenderAdapter(fixtures)
    let probe = try ValueProbe(fixtures)
    defer { probe.remove() }
    var cases: [[String: Any]] = []
    for renderCase in fixtures.cases {
        let locale = renderCase.occurrence.customer.locale
        let message = try adapter.render(adapter.prepare(renderCase))
        guard let template = fixtures.templates.template(renderCase.template, locale: locale),
              let footer = fixtures.templates.template("footer", locale: locale) else {
            throw RenderError("no \(renderCase.template) or footer template for \(locale ?? "the default locale")")
        }
        cases.append(["name": renderCase.name, "template": renderCase.template, "language": renderCase.language,
                      "file": template.path, "partials": ["footer": footer.path], "values": try probe.values(renderCase),
                      "subject": message.subject ?? NSNull(), "body": message.body])
    }
    let data = try JSONSerialization.data(withJSONObject: ["cases": cases], options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    try data.write(to: URL(fileURLWithPath: CommandLine.arguments[1]))
} catch {
    FileHandle.standardError.write(Data("render-fixtures: \(error)\n".utf8))
    exit(1)
}
