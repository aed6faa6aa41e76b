"""An SMTP server on loopback that misbehaves in one chosen way, for outreachd's fault tests.

Prints "PORT <n>" once listening on 127.0.0.1 (an ephemeral port), then serves until stdin closes
or it is terminated. A plain line-based SMTP dialogue (no extensions but 8BITMIME), so each fault
lands exactly where it is named:

  --fault STAGE:CODE    answer STAGE with CODE instead of success, e.g. rcpt:452, dot:554, greeting:421
  --fault close:STAGE   close the connection at STAGE without a reply
  --fault stall:STAGE   never answer at STAGE (the connection stays open)

STAGE is one of greeting, ehlo, mail, rcpt, data (the DATA command), body (in the middle of the
message), dot (after the final dot). Only the first --times connections (default: all)
misbehave; later ones are served normally, so a retry can succeed.

Every message received whole (its final dot read) is appended to SPOOL/received.jsonl as
{"message_id", "rcpt", "faulted", "at"}: with close:dot, stall:dot or dot:CODE the server *has*
the message although the client was not told so.
"""
import argparse, asyncio, json, os, sys, threading, time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spool", required=True)
    p.add_argument("--fault", required=True)
    p.add_argument("--times", type=int, default=10**9)
    a = p.parse_args()
    os.makedirs(a.spool, exist_ok=True)
    kind, _, stage = a.fault.partition(":")
    if kind in ("close", "stall"):
        action, where = kind, stage
    else:
        action, where = stage, kind  # "rcpt:452" -> reply 452 at rcpt
    received = open(os.path.join(a.spool, "received.jsonl"), "a", buffering=1)
    state = {"connections": 0}

    async def serve(reader, writer):
        state["connections"] += 1
        faulty = state["connections"] <= a.times

        async def reply(at, good):
            """Answers `good` at stage `at`, or this connection's fault if it is there.

            Returns (succeeded, alive): whether the stage went as the client wanted, and whether
            the session goes on (a server that refuses a command keeps the session; one that
            refuses its greeting, closes or stalls does not).
            """
            if faulty and at == where:
                if action == "close":
                    writer.close()
                    return False, False
                if action == "stall":
                    await asyncio.sleep(3600)
                    return False, False
                writer.write(f"{action} fault injected at {at}\r\n".encode())
                await writer.drain()
                if at == "greeting":
                    writer.close()
                    return False, False
                return False, True
            writer.write(good.encode())
            await writer.drain()
            return True, True

        try:
            if not (await reply("greeting", "220 faults ESMTP\r\n"))[1]:
                return
            rcpt, message_id = "", ""
            while True:
                line = await reader.readline()
                if not line:
                    return
                verb = line.decode("latin-1").strip().upper()
                if verb.startswith("EHLO") or verb.startswith("HELO"):
                    stage = "ehlo", "250-faults\r\n250 8BITMIME\r\n"
                elif verb.startswith("MAIL"):
                    stage = "mail", "250 sender ok\r\n"
                elif verb.startswith("RCPT"):
                    rcpt = line.decode("latin-1").strip()[8:]
                    stage = "rcpt", "250 recipient ok\r\n"
                elif verb == "DATA":
                    succeeded, alive = await reply("data", "354 go ahead\r\n")
                    if not alive:
                        return
                    if not succeeded:
                        continue
                    lines = 0
                    while True:
                        body = await reader.readline()
                        if not body:
                            return
                        lines += 1
                        if lines == 3 and faulty and where == "body":
                            if action == "close":
                                writer.close()
                                return
                            await asyncio.sleep(3600)
                            return
                        text = body.decode("utf-8", "replace")
                        if text.lower().startswith("message-id:"):
                            message_id = text.split(":", 1)[1].strip()
                        if body == b".\r\n":
                            break
                    received.write(json.dumps({"message_id": message_id, "rcpt": rcpt, "faulted": faulty and where == "dot",
                                               "at": time.time()}) + "\n")
                    stage = "dot", "250 queued\r\n"
                elif verb == "QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    writer.close()
                    return
                elif verb in ("RSET", "NOOP"):
                    stage = "rset", "250 ok\r\n"
                else:
                    stage = "other", "502 not implemented\r\n"
                if not (await reply(*stage))[1]:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return

    async def run():
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    asyncio.run(run())


if __name__ == "__main__":
    main()
