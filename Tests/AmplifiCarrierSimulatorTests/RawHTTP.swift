import AmplifiCarriers
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Plain HTTP requests for the checks `TwilioCarrier` cannot make (missing fields, `/sim/…`).
enum RawHTTP {
    /// Sends one request; the status and the body.
    static func send(
        method: String, url: String, form: [(key: String, value: String)]?, json: String?, authorization: String?
    ) async throws -> (Int, Data) {
        let (status, _, data) = try await exchange(
            method: method, url: url, form: form, json: json, authorization: authorization)
        return (status, data)
    }

    /// Sends one request; the status, the response (its headers) and the body.
    static func exchange(
        method: String, url: String, form: [(key: String, value: String)]?, json: String?, authorization: String?
    ) async throws -> (Int, HTTPURLResponse?, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        if let form {
            request.setValue(TwilioMessageRequest.contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(FormURLEncoding.encode(form).utf8)
        } else if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, http, data)
    }
}
