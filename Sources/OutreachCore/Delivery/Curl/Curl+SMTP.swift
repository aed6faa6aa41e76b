import CCurl
import Foundation

extension Curl {
    /// One SMTP transaction: envelope, message and the session's settings.
    struct SMTPRequest {
        /// `smtp://host:port` or `smtps://host:port`.
        var url: String
        /// The name given in EHLO.
        var heloName: String
        var mailFrom: String
        var recipient: String
        var message: Data
        var tls: ChannelConfiguration.TLSPolicy
        var caFile: String?
        var username: String?
        var password: String?
        var connectTimeout: Int
        var commandTimeout: Int
        var dataTimeout: Int
    }

    /// Sends one message with one recipient; certificate and host verification are always on.
    func send(_ request: SMTPRequest) -> Response {
        reset()
        var url = request.url
        while url.hasSuffix("/") { url.removeLast() }
        set(CURLOPT_URL, url + "/" + request.heloName)  // libcurl takes the EHLO name from the path
        set(CURLOPT_MAIL_FROM, "<\(request.mailFrom)>")
        set(CURLOPT_UPLOAD, true)
        set(CURLOPT_INFILESIZE_LARGE, request.message.count)
        switch request.tls {
        case .required: set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .opportunistic: set(CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        case .none: set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        }
        verifyPeers(caFile: request.caFile)
        if let user = request.username {
            set(CURLOPT_USERNAME, user)
            set(CURLOPT_PASSWORD, request.password ?? "")
        }
        set(CURLOPT_CONNECTTIMEOUT, request.connectTimeout)
        set(CURLOPT_SERVER_RESPONSE_TIMEOUT, request.commandTimeout)
        set(CURLOPT_TIMEOUT, request.connectTimeout + request.dataTimeout)
        return perform(upload: request.message, recipients: ["<\(request.recipient)>"])
    }

    func verifyPeers(caFile: String?) {
        set(CURLOPT_SSL_VERIFYPEER, true)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile { set(CURLOPT_CAINFO, caFile) }
    }
}
