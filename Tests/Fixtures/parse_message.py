"""Parses RFC 5322 messages strictly, for outreachd's tests.

    parse_message.py FILE.eml [FILE.eml ...]

Each file is parsed with Python's `email` package under `email.policy.strict` (any defect the
parser meets raises), and one JSON object per file is printed, one per line:

  file                  the path given
  error                 why the message could not be parsed (only then; the other fields may be missing)
  headers               lower-cased header name -> list of decoded values (RFC 2047 words decoded)
  header_names          header names in order, as written
  raw_header_lines      the header block's lines as sent (folded lines stay separate), without CRLF
  addresses             for address headers: lower-cased name -> [{display_name, addr_spec, username, domain}],
                        and for a header of one mailbox, display_name_rfc2047: the phrase decoded by RFC 2047 6.2
                        (white space between adjacent encoded words dropped; Python's structured parser keeps it)
  date                  the Date header as ISO 8601, or null if it does not parse
  body                  the decoded body text (get_content())
  body_strict_utf8      whether the transfer-decoded body bytes are valid UTF-8 on their own
  content_type, charset, content_transfer_encoding
  all_lines_crlf        every line ends in CRLF: no bare CR, no bare LF, the message ends in CRLF
  bare_cr, bare_lf      counts of bare CR / bare LF bytes
  max_header_line, max_body_line, max_line   longest line (without CRLF), in characters (bytes)
  header_ascii          every header byte is 7-bit
  encoded_words         every RFC 2047 word in the raw headers: {header, word, charset, encoding, utf8_valid, text}
  qp_problems           lines of a quoted-printable body that are not valid quoted-printable
  defects               every defect found: the message's, its headers', its body's
"""
import base64
import binascii
import email
import email.header
import email.policy
import json
import re
import sys

ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
QP_LINE = re.compile(rb"^(?:[\x21-\x3c\x3e-\x7e \t]|=[0-9A-F]{2})*=?$")
ADDRESS_HEADERS = {"from", "to", "cc", "bcc", "reply-to", "sender"}


def line_facts(raw: bytes):
    bare_lf = sum(1 for i, b in enumerate(raw) if b == 0x0A and (i == 0 or raw[i - 1] != 0x0D))
    bare_cr = sum(1 for i, b in enumerate(raw) if b == 0x0D and (i + 1 >= len(raw) or raw[i + 1] != 0x0A))
    return bare_cr, bare_lf


def decode_word(charset: bytes, encoding: bytes, text: bytes):
    if encoding.lower() == b"b":
        data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    else:
        data = binascii.a2b_qp(text.replace(b"_", b" "), header=True)
    try:
        return True, data.decode("utf-8")
    except UnicodeDecodeError:
        return False, None


def rfc2047_display_name(raw: str):
    """The display name of a one-mailbox header value `phrase <addr>`, decoded as RFC 2047 6.2 says."""
    value = re.sub(r"\r?\n(?=[ \t])", "", raw).strip()
    if "<" not in value:
        return ""
    phrase = value[:value.rindex("<")].strip()
    if phrase.startswith('"') and phrase.endswith('"') and len(phrase) >= 2:
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return str(email.header.make_header(email.header.decode_header(phrase)))


def parse(path: str) -> dict:
    out = {"file": path}
    with open(path, "rb") as f:
        raw = f.read()
    defects = []

    bare_cr, bare_lf = line_facts(raw)
    out["bare_cr"], out["bare_lf"] = bare_cr, bare_lf
    out["all_lines_crlf"] = bare_cr == 0 and bare_lf == 0 and raw.endswith(b"\r\n")

    split = raw.find(b"\r\n\r\n")
    head, body_raw = (raw, b"") if split < 0 else (raw[:split], raw[split + 4:])
    header_lines = head.split(b"\r\n")
    body_lines = body_raw.split(b"\r\n")
    if body_lines and body_lines[-1] == b"":
        body_lines = body_lines[:-1]
    out["raw_header_lines"] = [l.decode("utf-8", "replace") for l in header_lines]
    out["header_ascii"] = all(b < 0x80 for b in head)
    out["max_header_line"] = max((len(l) for l in header_lines), default=0)
    out["max_body_line"] = max((len(l) for l in body_lines), default=0)
    out["max_line"] = max(out["max_header_line"], out["max_body_line"])

    words = []
    current = None
    for line in header_lines:
        if line[:1] in (b" ", b"\t"):
            name = current
        else:
            name = line.split(b":", 1)[0].decode("ascii", "replace")
            current = name
        for m in ENCODED_WORD.finditer(line):
            try:
                ok, text = decode_word(m.group(1), m.group(2), m.group(3))
            except (binascii.Error, ValueError) as e:
                ok, text = False, None
                defects.append(f"{name}: undecodable encoded word {m.group(0)!r}: {e}")
            words.append({"header": name, "word": m.group(0).decode("ascii", "replace"), "charset": m.group(1).decode("ascii", "replace"),
                          "encoding": m.group(2).decode("ascii"), "length": len(m.group(0)), "utf8_valid": ok, "text": text})
    out["encoded_words"] = words

    try:
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
    except Exception as e:  # strict: a defect raises
        out["error"] = f"{type(e).__name__}: {e}"
        out["defects"] = defects + [out["error"]]
        return out

    defects += [f"message: {type(d).__name__}: {d}" for d in msg.defects]
    headers, names, addresses = {}, [], {}
    for name in msg.keys():
        names.append(name)
    for name in dict.fromkeys(n.lower() for n in names):
        values = []
        for h in msg.get_all(name, []):
            values.append(str(h))
            defects += [f"{name}: {type(d).__name__}: {d}" for d in getattr(h, "defects", ())]
            if name in ADDRESS_HEADERS and hasattr(h, "addresses"):
                addresses.setdefault(name, []).extend(
                    {"display_name": a.display_name, "addr_spec": a.addr_spec, "username": a.username, "domain": a.domain} for a in h.addresses)
        headers[name] = values
    for name, raw_value in msg.raw_items():
        entries = addresses.get(name.lower(), [])
        if len(entries) == 1 and len(msg.get_all(name, [])) == 1:
            entries[0]["display_name_rfc2047"] = rfc2047_display_name(str(raw_value))
    out["headers"], out["header_names"], out["addresses"] = headers, names, addresses

    date = msg.get("date")
    out["date"] = date.datetime.isoformat() if date is not None and getattr(date, "datetime", None) is not None else None

    out["content_type"] = msg.get_content_type()
    out["charset"] = msg.get_content_charset()
    cte = msg.get("content-transfer-encoding")
    out["content_transfer_encoding"] = str(cte).lower() if cte is not None else None

    qp_problems = []
    if out["content_transfer_encoding"] == "quoted-printable":
        for i, line in enumerate(body_lines):
            if len(line) > 76:
                qp_problems.append(f"line {i + 1}: {len(line)} characters")
            if not QP_LINE.match(line):
                qp_problems.append(f"line {i + 1}: not quoted-printable: {line!r}")
            elif line.endswith((b" ", b"\t")):
                qp_problems.append(f"line {i + 1}: trailing white space")
    out["qp_problems"] = qp_problems

    try:
        payload = msg.get_payload(decode=True) or b""
        try:
            payload.decode(out["charset"] or "ascii")
            out["body_strict_utf8"] = True
        except (UnicodeDecodeError, LookupError) as e:
            out["body_strict_utf8"] = False
            defects.append(f"body: {e}")
        out["body"] = msg.get_content()
    except Exception as e:
        out["error"] = f"body: {type(e).__name__}: {e}"
        defects.append(out["error"])
    out["defects"] = defects
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    for path in sys.argv[1:]:
        try:
            result = parse(path)
        except OSError as e:
            result = {"file": path, "error": str(e), "defects": [str(e)]}
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
