/// `rule.*`: the rule a message is sent by.
enum RuleVariables: TemplateVariableGroup {
    static let prefix = "rule"
    static let variables: [TemplateVariable<RuleConfiguration>] = [
        TemplateVariable("name") { rule, _ in rule.name },
        TemplateVariable("kind") { rule, _ in rule.kind.name },
    ]
}
