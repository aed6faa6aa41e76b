import CCurl
import Foundation

/// One libcurl easy handle: the only type in outreachd that talks to libcurl.
///
/// Not `Sendable`: a handle belongs to one delivery worker thread for its whole life. It is kept
/// between messages, so libcurl reuses the connection (SMTP sessions and HTTP keep-alive).
final class Curl {
    /// What one transfer produced.
    struct Response {
        /// libcurl's result; `CURLE_OK` is 0.
        var code: CURLcode
        /// The last SMTP reply code or HTTP status (0 when the server never answered).
        var responseCode: Int
        /// libcurl's error message (may be empty even on failure).
        var errorText: String
        var body: Data
        /// The lines the server sent besides the body, oldest first: an HTTP response's header lines,
        /// or an SMTP session's replies (for the ledger's reply and failure text).
        var headers: [String]

        var ok: Bool { code == CURLE_OK }

        /// The class of a transfer that failed without an error reply from the server: it was not
        /// reached, timed out, or TLS or the login failed. `nil` when it succeeded or the server
        /// answered with an error reply (``responseCode`` 400 or more), which the channel judges.
        var transportFailure: FailureClass? {
            switch code {
            case CURLE_OK: return nil
            case CURLE_OPERATION_TIMEDOUT: return .timeout
            case CURLE_LOGIN_DENIED: return .auth
            case CURLE_USE_SSL_FAILED, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
                 CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
                 CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
                return .tls
            default:
                return responseCode >= 400 ? nil : .network
            }
        }

        /// The server's reply line for `responseCode` (after a refusal libcurl says QUIT, so the very
        /// last line is usually `221 Bye`).
        var replyLine: String? { headers.last { $0.hasPrefix(String(responseCode)) } }

        /// A description for logs and the ledger, never empty.
        var failureText: String {
            if let line = replyLine, responseCode >= 400 { return line }
            let message = String(cString: curl_easy_strerror(code))
            return errorText.isEmpty ? message : "\(message): \(errorText)"
        }
    }

    private var handle: UnsafeMutableRawPointer
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    init() throws(MessageError) {
        guard Self.globalInit == CURLE_OK, let handle = curl_easy_init() else { throw MessageError("libcurl could not be initialised") }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Clears every option for the next transfer; the connection cache survives.
    func reset() { curl_easy_reset(handle) }

    func set(_ option: CURLoption, _ value: Int) { _ = CCurl_setopt_long(handle, option, value) }
    func set(_ option: CURLoption, _ value: Bool) { _ = CCurl_setopt_long(handle, option, value ? 1 : 0) }
    /// libcurl copies string options, so the Swift string need not outlive the call.
    func set(_ option: CURLoption, _ value: String) { _ = CCurl_setopt_string(handle, option, value) }

    /// Runs one transfer, uploading `upload` (SMTP DATA or an HTTP body) if given.
    func perform(upload: Data? = nil, headers: [String] = [], recipients: [String] = []) -> Response {
        let transfer = Transfer(upload: upload ?? Data())
        let context = Unmanaged.passRetained(transfer)
        defer { context.release() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in headers { headerList = curl_slist_append(headerList, header) }
        var recipientList: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { recipientList = curl_slist_append(recipientList, recipient) }
        defer {
            curl_slist_free_all(headerList)
            curl_slist_free_all(recipientList)
        }
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = CCurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        if headerList != nil { _ = CCurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) }
        if recipientList != nil { _ = CCurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipientList) }
        if upload != nil {
            _ = CCurl_setopt_data_callback(handle, CURLOPT_READFUNCTION, Self.read)
            _ = CCurl_setopt_pointer(handle, CURLOPT_READDATA, context.toOpaque())
        }
        _ = CCurl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, Self.write)
        _ = CCurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        _ = CCurl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, Self.header)
        _ = CCurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context.toOpaque())
        // No CURLOPT_VERBOSE: libcurl hands SMTP replies to the header callback too, and verbose
        // mode formats every protocol line and connection note of every message for nobody.
        set(CURLOPT_NOSIGNAL, true)

        let code = curl_easy_perform(handle)
        var responseCode = 0
        _ = CCurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        // The shim handles would dangle after this call: clear them so a reused handle never sees freed lists.
        if headerList != nil { _ = CCurl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil) }
        if recipientList != nil { _ = CCurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil) }
        let response = Response(code: code, responseCode: responseCode, errorText: String(cString: errorBuffer),
                                body: transfer.body, headers: transfer.headers)
        if response.transportFailure != nil { dropConnections() }
        return response
    }

    /// Closes this handle's connections. After a timeout or a broken transfer the connection is in
    /// an unknown state (a server that stalled after the final dot still owes its reply, and
    /// libcurl 7.88 keeps such an SMTP connection): the next message must not inherit it.
    private func dropConnections() {
        guard let fresh = curl_easy_init() else { return }
        curl_easy_cleanup(handle)
        handle = fresh
    }

    /// The state callbacks see during one transfer.
    private final class Transfer {
        let upload: [UInt8]
        var offset = 0
        var body = Data()
        var headers: [String] = []

        init(upload: Data) { self.upload = Array(upload) }
    }

    private static let read: CCurl_data_callback = { buffer, size, count, user in
        guard let buffer, let user else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        let n = min(size * count, transfer.upload.count - transfer.offset)
        if n > 0 {
            transfer.upload.withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + transfer.offset, byteCount: n)
            }
            transfer.offset += n
        }
        return n
    }

    private static let write: CCurl_data_callback = { buffer, size, count, user in
        guard let buffer, let user else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        // Bound what a misbehaving server can make us hold.
        if transfer.body.count < 1 << 20 { transfer.body.append(UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: size * count) }
        return size * count
    }

    /// Keeps the last lines a transfer's server sent (a misbehaving server cannot make us hold more).
    private static let header: CCurl_data_callback = { buffer, size, count, user in
        guard let buffer, let user else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
        // Trimmed on bytes (ASCII white space and the line's CRLF): Foundation's trimmingCharacters
        // was 4% of run --once's CPU posting webhooks, for a few header lines per request.
        var bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)[...]
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        while let first = bytes.first, blank(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, blank(last) { bytes = bytes.dropLast() }
        transfer.headers.append(String(decoding: bytes, as: UTF8.self))
        if transfer.headers.count > maximumLines { transfer.headers.removeFirst() }
        return size * count
    }

    /// How many of a transfer's header or reply lines a ``Response`` keeps.
    static let maximumLines = 100
}
