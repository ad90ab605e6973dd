#!/usr/bin/env python3
"""A minimal Twilio-compatible Messages server, independent of Amplifi's Swift code.

It stands in for api.twilio.com in the end-to-end test of `AMPLIFI_CARRIER=twilio`: it checks
HTTP Basic auth, records every create request's form fields (to a JSON-lines log), answers like
Twilio (201 + message JSON), and posts status callbacks (queued, sent, delivered) to each
message's StatusCallback URL, signed the way Twilio documents it: base64(HMAC-SHA1(auth token,
URL + sorted POST parameters as key+value)). Its signature code is written from Twilio's
documentation, not from Amplifi's, so the test checks one implementation against another.

usage: twilio_stub.py --port P --account-sid AC... --auth-token T --log FILE
"""
import argparse, base64, hashlib, hmac, json, queue, threading, time, urllib.parse, urllib.request, uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--account-sid", required=True)
ap.add_argument("--auth-token", required=True)
ap.add_argument("--log", required=True)
args = ap.parse_args()

expected_auth = "Basic " + base64.b64encode(f"{args.account_sid}:{args.auth_token}".encode()).decode()
create_path = f"/2010-04-01/Accounts/{args.account_sid}/Messages.json"
log_lock = threading.Lock()
callbacks = queue.Queue()
messages = {}


def sign(url, params):
    data = url + "".join(k + v for k, v in sorted(params.items()))
    digest = hmac.new(args.auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def post_callbacks():
    while True:
        url, params = callbacks.get()
        body = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(url, params),
        })
        for attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    outcome = response.status
                break
            except urllib.error.HTTPError as error:
                outcome = error.code
                if error.code < 500:
                    break
            except Exception:
                outcome = 0
            time.sleep(0.2 * (attempt + 1))
        with log_lock, open(args.log, "a") as log:
            log.write(json.dumps({"callback": params["MessageStatus"], "sid": params["MessageSid"],
                                  "url": url, "http": outcome}) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        if self.headers.get("Authorization") != expected_auth:
            return self.reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if self.path != create_path:
            return self.reply(404, {"code": 20404, "message": "not found", "status": 404})
        fields = {k: v[0] for k, v in form.items()}
        sid = "SM" + uuid.uuid4().hex
        with log_lock, open(args.log, "a") as log:
            log.write(json.dumps({"create": fields, "sid": sid,
                                  "content_type": self.headers.get("Content-Type")}) + "\n")
        now = formatdate(usegmt=True)
        messages[sid] = fields
        self.reply(201, {
            "sid": sid, "account_sid": args.account_sid, "to": fields.get("To"), "from": fields.get("From"),
            "body": fields.get("Body", ""), "status": "queued", "num_segments": "1", "num_media": "0",
            "direction": "outbound-api", "api_version": "2010-04-01", "price": None, "price_unit": "USD",
            "error_code": None, "error_message": None, "date_created": now, "date_updated": now,
            "date_sent": None, "uri": f"{create_path[:-5]}/{sid}.json",
        })
        if fields.get("StatusCallback"):
            for status in ("queued", "sent", "delivered"):
                callbacks.put((fields["StatusCallback"], {
                    "MessageSid": sid, "SmsSid": sid, "AccountSid": args.account_sid,
                    "From": fields.get("From", ""), "To": fields.get("To", ""),
                    "MessageStatus": status, "SmsStatus": status, "ApiVersion": "2010-04-01",
                }))


for _ in range(4):
    threading.Thread(target=post_callbacks, daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print(f"twilio stub listening on 127.0.0.1:{args.port}", flush=True)
server.serve_forever()
