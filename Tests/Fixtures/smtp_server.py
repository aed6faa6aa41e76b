"""A real SMTP server on loopback for outreachd's tests (aiosmtpd).

Prints "PORT <n>" once listening on 127.0.0.1 (an ephemeral port), then serves until stdin
closes or it is terminated. Every accepted message is written to --spool as N.eml (the DATA
bytes as received) and N.json (envelope: mail_from, rcpt_tos, session, received_at).
events.jsonl records connections, commands and concurrency, for the tests' assertions.

Faults, for testing delivery guarantees:
  --reply-rcpt CODE:TEXT[:MATCH]  answer RCPT TO with CODE TEXT (only for addresses containing MATCH)
  --fail-times N                  apply --reply-rcpt only to the first N matching attempts
  --drop-data MATCH               close the connection in the middle of DATA for a recipient containing MATCH (first time only)
  --slow SECONDS                  wait before answering DATA's end
  --tls CERT KEY                  offer STARTTLS with this certificate
  --auth USER:PASS                require AUTH (PLAIN/LOGIN) with these credentials
  --count-only                    accept and count messages without writing them (for throughput measurements)
"""
import argparse, asyncio, json, os, ssl, sys, threading, time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spool", required=True)
    p.add_argument("--reply-rcpt")
    p.add_argument("--fail-times", type=int, default=10**9)
    p.add_argument("--drop-data")
    p.add_argument("--slow", type=float, default=0)
    p.add_argument("--tls", nargs=2)
    p.add_argument("--auth")
    p.add_argument("--count-only", action="store_true")
    a = p.parse_args()
    os.makedirs(a.spool, exist_ok=True)
    events = open(os.path.join(a.spool, "events.jsonl"), "a", buffering=1)
    state = {"n": 0, "fails": 0, "dropped": False, "open": 0, "max_open": 0}
    lock = threading.Lock()

    def event(kind, **fields):
        fields.update(kind=kind, t=time.time())
        events.write(json.dumps(fields) + "\n")

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if a.reply_rcpt:
                parts = a.reply_rcpt.split(":", 2)
                code, text = parts[0], parts[1]
                match = parts[2] if len(parts) > 2 else ""
                if match in address and state["fails"] < a.fail_times:
                    state["fails"] += 1
                    event("rcpt_refused", address=address, code=code)
                    return f"{code} {text}"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if a.drop_data and not state["dropped"] and any(a.drop_data in r for r in envelope.rcpt_tos):
                state["dropped"] = True
                event("dropped", rcpt_tos=envelope.rcpt_tos)
                server.transport.close()
                return "421 closing"
            if a.slow:
                await asyncio.sleep(a.slow)
            with lock:
                state["n"] += 1
                n = state["n"]
            if a.count_only:
                return f"250 2.0.0 Ok: queued as {n}"
            with open(os.path.join(a.spool, f"{n}.eml"), "wb") as f:
                f.write(envelope.original_content)
            with open(os.path.join(a.spool, f"{n}.json"), "w") as f:
                json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "session": id(session),
                           "received_at": time.time(), "smtp_utf8": envelope.smtp_utf8}, f)
            event("message", n=n, session=id(session))
            return f"250 2.0.0 Ok: queued as {n}"

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = a.auth.split(":", 1)
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        event("auth", ok=ok)
        # handled=False: aiosmtpd then answers a refusal with 535 itself (its default, handled=True, sends
        # no reply at all and leaves the client waiting for its command timeout).
        return AuthResult(success=ok, handled=False)

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            with lock:
                state["open"] += 1
                state["max_open"] = max(state["max_open"], state["open"])
                if not a.count_only:
                    event("connect", open=state["open"], max_open=state["max_open"])
            super().connection_made(transport)

        def connection_lost(self, exc):
            with lock:
                state["open"] -= 1
            event("disconnect")
            super().connection_lost(exc)

    tls_context = None
    if a.tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(a.tls[0], a.tls[1])

    def factory():
        kwargs = dict(tls_context=tls_context, require_starttls=bool(a.tls), decode_data=False, enable_SMTPUTF8=True)
        if a.auth:
            kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(a.tls))
        return CountingSMTP(Handler(), **kwargs)

    async def serve():
        server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
