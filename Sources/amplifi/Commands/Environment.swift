import Foundation

/// Reads configuration from the process environment.
enum Environment {
    /// The value of `name`, if set.
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name]
    }
}
