import AmplifiLocalServers
import AmplifiTestSupport
import Foundation
import Testing

/// `scripts/check-manifests.py` (run by `make test`) catches each fault it claims to: a copy of
/// deploy/ is broken one way at a time and the script must fail naming the fault; the real deploy/
/// passes.
@Suite("The manifest check catches what it claims to")
struct ManifestCheckTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the script over `deploy` (nil: the repository's own) with the built binary.
    static func check(deploy: URL?) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["AMPLIFI_DEPLOY_DIR"] = deploy?.path ?? ""
        return try ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "python3", root.appendingPathComponent("scripts/check-manifests.py").path, AmplifiExecutable.path,
            ],
            environment: environment)
    }

    /// The faults: the file (under deploy/), the text replaced, its replacement, and what the script must say.
    static let faults: [(file: String, from: String, to: String, expected: String)] = [
        ("k8s/amplifi.yaml", "\"--horizon\", \"72h\"", "\"--horizont\", \"72h\"", "--horizont"),
        ("k8s/amplifi.yaml", "args: [\"lookup\"", "args: [\"lookups\"", "lookups"),
        ("k8s/amplifi.yaml", "AMPLIFI_ADMIN_HOST", "AMPLIFI_ADMIN_HOSTNAME", "AMPLIFI_ADMIN_HOSTNAME is not read"),
        ("k8s/amplifi.yaml", "AMPLIFI_ADMIN_HOST", "AMPLIFI_ADMIN_HOSTNAME", "AMPLIFI_ADMIN_HOSTNAME is named by no"),
        (
            "prometheus/alerts.yml", "amplifi_messages_unfinished", "amplifi_messages_unfinishd",
            "amplifi_messages_unfinishd"
        ),
        ("prometheus/alerts.yml", "severity:", "severity_:", "no labels.severity"),
        ("grafana/amplifi.json", "sum by (outcome) (rate(", "sum by (outcome) ((rate(", "unbalanced brackets"),
    ]

    @Test func theRepositorysDeployPasses() throws {
        let result = try Self.check(deploy: nil)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(arguments: 0..<faults.count)
    func eachFaultIsCaught(index: Int) throws {
        let fault = Self.faults[index]
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-\(UUID())/deploy")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("deploy"), to: copy)
        let file = copy.appendingPathComponent(fault.file)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(fault.from), "the fault's anchor is still in \(fault.file): \(fault.from)")
        try text.replacingOccurrences(of: fault.from, with: fault.to).write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.check(deploy: copy)
        #expect(result.status != 0, "\(fault.file): \(fault.to) passed")
        #expect(result.output.contains(fault.expected), "\(fault.file): \(result.output)")
    }
}
