"""A real HTTP server on loopback for outreachd's HTTP channel tests (Python stdlib only).

Prints "PORT <n>" once listening on 127.0.0.1 (an ephemeral port), then serves until stdin
closes or it is terminated. Every request is recorded in --spool as N.json (N = 1, 2, … in
arrival order, written atomically) with:
  method, path, headers (name lower-cased -> value; a repeated header's values joined by ", "),
  header_list ([name, value] pairs as received), body (UTF-8 text), received_at (Unix time),
  response (the status sent back, or null if the reply was still being delayed),
  signature_valid (bool, or null when no --secret was given): the Standard Webhooks signature
  checked independently of outreachd: HMAC-SHA256 over f"{webhook-id}.{webhook-timestamp}.{body}"
  with the key = base64 payload after "whsec_" in --secret (else the secret's UTF-8 bytes),
  compared with every "v1,<base64>" entry of the space-separated webhook-signature header.

Behaviour:
  --responses LIST  comma-separated replies, one per request in order, the last one repeating.
                    Each is CODE or CODE:Name=Value[;Name=Value…] to add headers, e.g.
                    "429:Retry-After=3600,500,202". Default "202". Header values are
                    percent-decoded, so an HTTP date's comma is written %2C.
  --delay SECONDS   wait this long before answering each request (a slow server, for timeouts).
  --secret SECRET   the signing secret to verify webhook-signature with.
  --reply-body TEXT the body of every reply (default: {"received": N, "status": CODE}), with
                    "{to}" replaced by the request's JSON "to": a receiver that quotes the address
                    in its answer, as many do when they refuse one.
  --ledger PATH     outreachd's SQLite ledger: each record also gets previous_on_connection, the
                    key of the last request on the same connection and that row's state in the
                    ledger (read-only, committed data only) when this request arrived, or null for
                    a connection's first request. A sender that waits for its last outcome to be
                    durable before the next attempt always shows "sent" (or "retry"...) there.
"""
import argparse, base64, binascii, hashlib, hmac, json, os, sqlite3, sys, threading, time
from urllib.parse import unquote
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_responses(text):
    replies = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        code, _, rest = item.partition(":")
        headers = []
        for pair in filter(None, rest.split(";")):
            name, _, value = pair.partition("=")
            headers.append((name.strip(), unquote(value.strip())))
        replies.append((int(code), headers))
    return replies or [(202, [])]


def signing_key(secret):
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode("utf-8")


def signature_valid(secret, headers, body):
    if secret is None:
        return None
    msg_id, timestamp, header = headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature")
    if not msg_id or not timestamp or not header:
        return False
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(signing_key(secret), signed, hashlib.sha256).digest()).decode()
    for entry in header.split(" "):
        version, _, sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spool", required=True)
    p.add_argument("--responses", default="202")
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--secret")
    p.add_argument("--ledger")
    p.add_argument("--reply-body")
    a = p.parse_args()
    os.makedirs(a.spool, exist_ok=True)
    replies = parse_responses(a.responses)
    state = {"n": 0}
    lock = threading.Lock()

    def write_record(n, record):
        path = os.path.join(a.spool, f"{n}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1)
        os.replace(path + ".tmp", path)

    def ledger_state(key):
        db = sqlite3.connect(f"file:{a.ledger}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute("SELECT state FROM outbox WHERE key = ?", (key,)).fetchone()
        finally:
            db.close()
        return row[0] if row else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as libcurl expects of a webhook endpoint

        def log_message(self, format, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {}
            for name, value in self.headers.items():
                key = name.lower()
                headers[key] = headers[key] + ", " + value if key in headers else value
            with lock:
                state["n"] += 1
                n = state["n"]
            code, extra = replies[min(n, len(replies)) - 1]
            record = {"n": n, "method": self.command, "path": self.path, "headers": headers,
                      "header_list": [[k, v] for k, v in self.headers.items()],
                      "body": body.decode("utf-8", errors="replace"), "received_at": time.time(),
                      "signature_valid": signature_valid(a.secret, headers, body), "response": None}
            if a.ledger:
                # One handler object serves one keep-alive connection: it remembers the last key.
                previous = getattr(self, "previous_key", None)
                record["previous_on_connection"] = None if previous is None else {"key": previous, "state": ledger_state(previous)}
                try:
                    self.previous_key = json.loads(body).get("key")
                except ValueError:
                    self.previous_key = None
            write_record(n, record)
            if a.delay:
                time.sleep(a.delay)
            reply = json.dumps({"received": n, "status": code}).encode()
            if a.reply_body is not None:
                try:
                    to = str(json.loads(body).get("to", ""))
                except (ValueError, AttributeError):
                    to = ""
                reply = a.reply_body.replace("{to}", to).encode()
            try:
                self.send_response(code)
                for name, value in extra:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                self.wfile.flush()
            except OSError:
                return  # the client gave up (a timeout): nothing was answered
            record["response"] = code
            write_record(n, record)

        do_POST = do_PUT = do_GET = handle_any

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = False

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    sys.stdin.read()  # the test closes stdin to stop us
    # Exit at once (no shutdown(): it waits out serve_forever's poll); the kernel closes the sockets,
    # and a handler still sleeping in --delay dies with the process.
    os._exit(0)


if __name__ == "__main__":
    main()
