import AmplifiMessaging
import Testing

@Suite("Merge templates")
struct MergeTemplateTests {
    let jane = MergeValues(
        firstName: "Jane", lastName: "Smith", email: "jane@example.com", phone: "+19195551234",
        city: "Raleigh", state: "NC", zip: "27601", customFields: ["favoriteColor": "blue"])

    @Test("Renders standard and custom fields")
    func renders() throws {
        let template = try MergeTemplate(
            parsing:
                "Hi {{firstName}} {{lastName}} of {{city}}, {{state}} {{zip}} ({{email}}, {{phone}}) likes {{favoriteColor}}!",
            customFieldKeys: ["favoriteColor"])
        #expect(
            template.render(jane)
                == "Hi Jane Smith of Raleigh, NC 27601 (jane@example.com, +19195551234) likes blue!")
    }

    @Test("Fallback for missing or empty values, nothing without a fallback")
    func fallback() throws {
        let template = try MergeTemplate(parsing: "Hi {{firstName|there}}{{lastName}}!")
        #expect(template.render(MergeValues()) == "Hi there!")
        #expect(template.render(MergeValues(firstName: "")) == "Hi there!")
        #expect(template.render(MergeValues(firstName: "Ann", lastName: "")) == "Hi Ann!")
    }

    @Test("Spaces inside braces are tolerated")
    func spaces() throws {
        let template = try MergeTemplate(parsing: "Hi {{ firstName | dear friend }} and {{  city}}")
        #expect(template.render(MergeValues(city: "Cary")) == "Hi dear friend and Cary")
        #expect(template.fields == [.standard(.firstName), .standard(.city)])
    }

    @Test("Rendered values are never parsed again")
    func noReparse() throws {
        let template = try MergeTemplate(parsing: "Hi {{firstName}} {{zip}}")
        #expect(template.render(MergeValues(firstName: "{{zip}}", zip: "}}")) == "Hi {{zip}} }}")
    }

    @Test("Fields used, in order, without duplicates")
    func fieldsUsed() throws {
        let template = try MergeTemplate(
            parsing: "{{zip}} {{firstName}} {{zip}} {{tier|none}}", customFieldKeys: ["tier", "unused"])
        #expect(template.fields == [.standard(.zip), .standard(.firstName), .custom("tier")])
        #expect(!template.isStatic)
        #expect(try MergeTemplate(parsing: "plain {text} only").isStatic)
        #expect(try MergeTemplate(parsing: "plain {text} only").render(jane) == "plain {text} only")
    }

    @Test("Unicode around fields")
    func unicode() throws {
        let template = try MergeTemplate(parsing: "😀 {{firstName}} 🇺🇸 café {{city|ville}}")
        #expect(template.render(MergeValues(firstName: "Zoë")) == "😀 Zoë 🇺🇸 café ville")
    }

    @Test(
        "Errors name the problem and position",
        arguments: [
            ("Hi {{firstname}}", MergeTemplateError.Reason.unknownField, 4, "firstname"),
            ("Hi {{nickname}} there", .unknownField, 4, "nickname"),
            ("Hi {{firstName", .unclosedBraces, 4, nil),
            ("Hi {{firstName {{lastName}}", .unclosedBraces, 4, nil),
            ("Hi {{}}", .emptyField, 4, nil),
            ("Hi {{ |x}}", .emptyField, 4, nil),
            ("Hi firstName}}", .strayClosingBraces, 13, nil),
            ("😀😀 {{nope}}", .unknownField, 4, "nope"),
        ] as [(String, MergeTemplateError.Reason, Int, String?)])
    func errors(source: String, reason: MergeTemplateError.Reason, position: Int, name: String?) {
        do {
            _ = try MergeTemplate(parsing: source)
            Issue.record("expected \(reason)")
        } catch {
            #expect(error.reason == reason)
            #expect(error.position == position)
            #expect(error.name == name)
            #expect(error.code == .validationFailed)
            #expect(error.message.contains("character \(position)"))
            if let name { #expect(error.message.contains(name)) }
        }
    }

    @Test("A case slip suggests the right field")
    func suggestion() {
        do {
            _ = try MergeTemplate(parsing: "{{FirstName}}")
        } catch {
            #expect(error.suggestion == "firstName")
            #expect(error.message.contains("{{firstName}}"))
        }
    }

    @Test("Render closure variant")
    func closure() throws {
        let template = try MergeTemplate(parsing: "{{a}}-{{b|B}}", customFieldKeys: ["a", "b"])
        #expect(template.render { $0 == .custom("a") ? "A" : nil } == "A-B")
    }
}
