import AmplifiMessaging
import Testing

@Suite("Text normalization")
struct TextNormalizerTests {
    @Test(
        "Smart Encoding replacements",
        arguments: [
            ("\u{201C}Hello\u{201D}", "\"Hello\""),
            ("it\u{2019}s \u{2018}ok\u{2019}", "it's 'ok'"),
            ("a\u{2013}b\u{2014}c\u{2212}d", "a-b-c-d"),
            ("wait\u{2026}", "wait..."),
            ("a\u{00A0}b\u{2009}c\u{202F}d\u{3000}e\u{2003}f", "a b c d e f"),
            ("5\u{2032} 10\u{2033}", "5' 10\""),
            ("\u{00AB}oui\u{00BB}", "\"oui\""),
            ("\u{00BD} off", "1/2 off"),
            ("tab\there", "tab here"),
            ("zero\u{200B}width", "zerowidth"),
            ("\u{FF21}\u{FF22}\u{FF23}\u{FF11}\u{FF12}\u{FF01}", "ABC12!"),
            ("`code`", "'code'"),
            ("\u{2039}x\u{203A}", "<x>"),
        ])
    func replacements(input: String, expected: String) {
        let (text, changed) = TextNormalizer.normalize(input)
        #expect(text == expected)
        #expect(changed)
        #expect(MessageEncoding.required(for: text) == .gsm7)
    }

    @Test(
        "GSM-7 text is untouched",
        arguments: [
            "Hello, world!", "Prix: 5€ {promo} [x] ~ | ^ \\", "èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà£¥¤",
            "line1\r\nline2\n", "",
        ])
    func gsmUntouched(input: String) {
        let (text, changed) = TextNormalizer.normalize(input)
        #expect(text == input)
        #expect(!changed)
    }

    @Test("Characters without an equivalent are kept", arguments: ["😀", "🇺🇸", "👨‍👩‍👧‍👦", "Привет", "中文", "ç", "👍🏽"])
    func kept(input: String) {
        let mixed = "\u{201C}" + input + "\u{201D}"
        #expect(TextNormalizer.normalized(mixed) == "\"" + input + "\"")
        #expect(TextNormalizer.normalized(input) == input)
    }

    @Test("Normalizing twice changes nothing more")
    func idempotent() {
        let input = "\u{201C}Sale\u{201D} \u{2014} 50\u{2009}% off\u{2026} 😀"
        let once = TextNormalizer.normalized(input)
        #expect(TextNormalizer.normalized(once) == once)
        #expect(!TextNormalizer.normalize(once).changed)
    }
}
