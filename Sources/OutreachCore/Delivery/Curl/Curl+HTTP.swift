import CCurl
import Foundation

extension Curl {
    /// One HTTP POST.
    struct HTTPRequest {
        var url: String
        var headers: [String]
        var body: Data
        var caFile: String?
        var connectTimeout: Int
        var timeout: Int
    }

    /// POSTs `request.body`; redirects are not followed (a webhook that moves is a configuration problem).
    func post(_ request: HTTPRequest) -> Response {
        reset()
        set(CURLOPT_URL, request.url)
        set(CURLOPT_POST, true)
        set(CURLOPT_POSTFIELDSIZE_LARGE, request.body.count)
        verifyPeers(caFile: request.caFile)
        set(CURLOPT_CONNECTTIMEOUT, request.connectTimeout)
        set(CURLOPT_TIMEOUT, request.timeout)
        return perform(upload: request.body, headers: request.headers + ["Expect:"])
    }
}
