import AmplifiConcurrency
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to 127.0.0.1 for what an HTTP client library will not do: send half a
/// request, stall, and see when the server answers or closes. Blocking calls run on a dedicated thread.
final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Connects to `port` (the kernel completes the handshake even when the server has not accepted yet).
    static func open(port: Int) throws -> RawConnection {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
        return RawConnection(descriptor: descriptor)
    }

    /// Writes `text` (ignores a closed peer: the read tells).
    func send(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrived within `timeout`, and whether the server closed the connection (EOF or reset).
    /// Stops early once `enough` says the text read so far is complete.
    func read(timeout: Duration, until enough: @escaping @Sendable (String) -> Bool = { _ in false }) async -> (
        text: String, closed: Bool
    ) {
        let descriptor = self.descriptor
        return await runOnDedicatedThread("raw-connection.read") {
            var received: [UInt8] = []
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let left = deadline - ContinuousClock.now
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(
                    max(1, left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000))
                guard poll(&poller, 1, milliseconds) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 65_536)
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
                received += buffer[0..<count]
                if enough(String(decoding: received, as: UTF8.self)) { break }
            }
            return (String(decoding: received, as: UTF8.self), false)
        }
    }

    /// Closes the socket.
    func close() { Glibc.close(descriptor) }
}

extension String {
    /// Whether this holds a whole HTTP response (headers, and the body its Content-Length announces).
    var isCompleteHTTPResponse: Bool {
        guard let end = range(of: "\r\n\r\n") else { return false }
        let headers = self[..<end.lowerBound].lowercased()
        let length =
            headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return self[end.upperBound...].utf8.count >= length
    }
}
