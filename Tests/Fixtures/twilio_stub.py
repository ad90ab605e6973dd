#!/usr/bin/env python3
"""A minimal Twilio-compatible Messages server, independent of Amplifi's Swift code.

It stands in for api.twilio.com in end-to-end tests of `AMPLIFI_CARRIER=twilio`: it checks HTTP
Basic auth, records every create request's form fields (to a JSON-lines log), answers like Twilio
(201 + message JSON), lists and fetches the messages it created, and posts status callbacks
(queued, sent, delivered) to each message's StatusCallback URL, signed the way Twilio documents
it: base64(HMAC-SHA1(auth token, URL + sorted POST parameters as key+value)). Its signature code is
written from Twilio's documentation, not from Amplifi's, so a test checks one implementation
against another. Python 3 standard library only.

usage:
  twilio_stub.py --port P --account-sid AC... --auth-token T --log FILE [--seed N]
                 [--latency-ms MIN-MAX] [--late-rate P --late-seconds S] [--drop-rate P]
                 [--garbage-rate P] [--throttle-rate P --retry-after N]
                 [--callback-dup-rate P] [--callback-drop-rate P] [--callback-shuffle] [--callback-early]

Misbehaviour (all off by default; every decision is drawn from random.Random(--seed)):
  --latency-ms MIN-MAX   wait a uniform MIN..MAX ms (or exactly N for "N") before answering a create
  --late-rate P          create the message (logged, callbacks queued), answer only after
                         --late-seconds S (default 30: longer than a client's deadline)
  --drop-rate P          create the message, then close the connection without answering
  --garbage-rate P       create the message, answer 201 with a body that is not JSON
  --throttle-rate P      answer 429 (Twilio code 20429, header Retry-After: --retry-after N, default 1)
                         WITHOUT creating anything
  --callback-dup-rate P  post one of a message's callbacks twice
  --callback-drop-rate P never post a callback (each callback on its own draw; the status still moves)
  --callback-shuffle     post a message's callbacks in a random order
  --callback-early       post `queued` before the create's answer is sent

Endpoints (Basic auth: account sid + auth token):
  POST /2010-04-01/Accounts/{sid}/Messages.json           create
  GET  /2010-04-01/Accounts/{sid}/Messages.json?To=&From=&DateSent>=YYYY-MM-DD&PageSize=N
                                                          list, newest first, `next_page_uri` paging
                                                          (DateSent filters by the UTC day created)
  GET  /2010-04-01/Accounts/{sid}/Messages/{Sid}.json     fetch (404 with Twilio's error JSON when unknown)

Log lines (JSON, one per line, appended to --log):
  {"create": {form fields}, "sid", "content_type", "t": epoch seconds created, "to", "from",
   "mode": "normal" | "late" | "drop" | "garbage"}
  {"throttled": true, "t": epoch seconds}
  {"callback": status, "sid", "url", "http": status code (0: no answer), "early": true when early}
  {"callback_dropped": status, "sid"}
"""
import argparse, base64, hashlib, hmac, json, queue, random, threading, time, urllib.error, urllib.parse, \
    urllib.request, uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def share(text):
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def latency_range(text):
    low, _, high = text.partition("-")
    try:
        low_ms, high_ms = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be MIN-MAX milliseconds like 100-300, got {text}")
    if not 0 <= low_ms <= high_ms:
        raise argparse.ArgumentTypeError(f"must be 0 <= MIN <= MAX, got {text}")
    return low_ms, high_ms


ap = argparse.ArgumentParser(description="A Twilio-compatible Messages server for tests.")
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--account-sid", required=True)
ap.add_argument("--auth-token", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--latency-ms", type=latency_range, default=(0, 0))
ap.add_argument("--late-rate", type=share, default=0.0)
ap.add_argument("--late-seconds", type=float, default=30.0)
ap.add_argument("--drop-rate", type=share, default=0.0)
ap.add_argument("--garbage-rate", type=share, default=0.0)
ap.add_argument("--throttle-rate", type=share, default=0.0)
ap.add_argument("--retry-after", type=int, default=1)
ap.add_argument("--callback-dup-rate", type=share, default=0.0)
ap.add_argument("--callback-drop-rate", type=share, default=0.0)
ap.add_argument("--callback-shuffle", action="store_true")
ap.add_argument("--callback-early", action="store_true")
args = ap.parse_args()
if args.late_rate + args.drop_rate + args.garbage_rate > 1:
    ap.error("--late-rate + --drop-rate + --garbage-rate must not exceed 1")

expected_auth = "Basic " + base64.b64encode(f"{args.account_sid}:{args.auth_token}".encode()).decode()
messages_path = f"/2010-04-01/Accounts/{args.account_sid}/Messages"
create_path = messages_path + ".json"
log_lock = threading.Lock()
rng_lock = threading.Lock()
rng = random.Random(args.seed)
store_lock = threading.Lock()
messages = {}  # sid -> message dict (with "t": creation time)
callbacks = queue.Queue()
STATUS_RANK = {"queued": 0, "sent": 1, "delivered": 2}


def log(entry):
    with log_lock, open(args.log, "a") as file:
        file.write(json.dumps(entry) + "\n")


def draw():
    with rng_lock:
        return rng.random()


def sign(url, params):
    data = url + "".join(k + v for k, v in sorted(params.items()))
    digest = hmac.new(args.auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def advance(sid, status):
    """Moves a stored message's status forward (never back), as the callbacks describe it."""
    with store_lock:
        message = messages[sid]
        if STATUS_RANK[status] > STATUS_RANK[message["status"]]:
            message["status"] = status
            message["updated"] = time.time()
            if status == "sent":
                message["sent"] = message["updated"]


def post_callback(url, params, early=False):
    body = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(url, params),
    })
    outcome = 0
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
    entry = {"callback": params["MessageStatus"], "sid": params["MessageSid"], "url": url, "http": outcome}
    if early:
        entry["early"] = True
    log(entry)


def callback_worker():
    while True:
        sid, status, url, params = callbacks.get()
        advance(sid, status)
        if url is None:
            continue
        if params is None:
            log({"callback_dropped": status, "sid": sid})
            continue
        post_callback(url, params)


def callback_params(message, status):
    return {
        "MessageSid": message["sid"], "SmsSid": message["sid"], "AccountSid": args.account_sid,
        "From": message["from"] or "", "To": message["to"] or "",
        "MessageStatus": status, "SmsStatus": status, "ApiVersion": "2010-04-01",
    }


def plan_callbacks(message):
    """The (status, params or None when dropped) steps of a message, after dup/drop/shuffle draws."""
    steps = [[status, callback_params(message, status)] for status in ("queued", "sent", "delivered")]
    if args.callback_dup_rate and draw() < args.callback_dup_rate:
        steps.append(list(steps[int(draw() * len(steps)) % len(steps)]))
    if args.callback_drop_rate:
        for step in steps:
            if draw() < args.callback_drop_rate:
                step[1] = None
    if args.callback_shuffle:
        with rng_lock:
            rng.shuffle(steps)
    return steps


def rfc2822(t):
    return formatdate(t, usegmt=True) if t is not None else None


def resource(message):
    return {
        "sid": message["sid"], "account_sid": args.account_sid, "to": message["to"], "from": message["from"],
        "messaging_service_sid": message["service"], "body": message["body"], "status": message["status"],
        "num_segments": "1", "num_media": "0", "direction": "outbound-api", "api_version": "2010-04-01",
        "price": None, "price_unit": "USD", "error_code": None, "error_message": None,
        "date_created": rfc2822(message["t"]), "date_updated": rfc2822(message["updated"]),
        "date_sent": rfc2822(message.get("sent")), "uri": f"{messages_path}/{message['sid']}.json",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def send_bytes(self, status, data, headers=()):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a late answer): nothing to do

    def reply(self, status, payload, headers=()):
        self.send_bytes(status, json.dumps(payload).encode(), headers)

    def error(self, status, code, message):
        self.reply(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                            "status": status})

    def authorized(self):
        if self.headers.get("Authorization") != expected_auth:
            self.error(401, 20003, "Authenticate")
            return False
        return True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        if not self.authorized():
            return
        if self.path != create_path:
            return self.error(404, 20404, f"The requested resource {self.path} was not found")
        if args.throttle_rate and draw() < args.throttle_rate:
            log({"throttled": True, "t": time.time()})
            return self.reply(429, {"code": 20429, "message": "Too Many Requests",
                                    "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429},
                              headers=[("Retry-After", str(args.retry_after))])
        fields = {k: v[0] for k, v in form.items()}
        mode = self.draw_mode()
        low, high = args.latency_ms
        delay = (low + draw() * (high - low)) / 1000 if high else 0
        message = self.create(fields, mode)
        steps = plan_callbacks(message)
        url = fields.get("StatusCallback")
        if url and args.callback_early:
            early = [step for step in steps if step[0] == "queued" and step[1] is not None]
            if early:
                steps.remove(early[0])
                advance(message["sid"], "queued")
                post_callback(url, early[0][1], early=True)
        # As Twilio does, callbacks follow the answer; a late or dropped answer does not hold them back.
        answered = mode not in ("late", "drop")
        if not answered:
            self.queue_callbacks(message["sid"], url, steps)
        time.sleep(args.late_seconds if mode == "late" else delay)
        if mode == "drop":
            self.close_connection = True  # read, created, and hang up without a word
        elif mode == "garbage":
            self.send_bytes(201, b'{"sid": "' + message["sid"].encode() + b'", "status": "queu')
        else:
            with store_lock:
                payload = resource(message)
            self.reply(201, payload)
        if answered:
            self.queue_callbacks(message["sid"], url, steps)

    @staticmethod
    def queue_callbacks(sid, url, steps):
        for status, params in steps:
            callbacks.put((sid, status, url, params) if url else (sid, status, None, None))

    def draw_mode(self):
        value = draw()
        for mode, rate in (("late", args.late_rate), ("drop", args.drop_rate), ("garbage", args.garbage_rate)):
            if value < rate:
                return mode
            value -= rate
        return "normal"

    def create(self, fields, mode):
        sid = "SM" + uuid.uuid4().hex
        now = time.time()
        message = {"sid": sid, "to": fields.get("To"), "from": fields.get("From"), "body": fields.get("Body", ""),
                   "service": fields.get("MessagingServiceSid"), "status": "queued", "t": now, "updated": now}
        with store_lock:
            messages[sid] = message
        log({"create": fields, "sid": sid, "content_type": self.headers.get("Content-Type"), "t": now,
             "to": message["to"], "from": message["from"], "mode": mode})
        return message

    def do_GET(self):
        if not self.authorized():
            return
        path, _, query = self.path.partition("?")
        if path == create_path:
            return self.list(urllib.parse.parse_qs(query, keep_blank_values=True))
        if path.startswith(messages_path + "/") and path.endswith(".json"):
            sid = path[len(messages_path) + 1:-len(".json")]
            with store_lock:
                payload = resource(messages[sid]) if sid in messages else None
            if payload is None:
                return self.error(404, 20404, f"The requested resource {path} was not found")
            return self.reply(200, payload)
        self.error(404, 20404, f"The requested resource {path} was not found")

    def list(self, query):
        def value(key):
            return query.get(key, [None])[0]
        try:
            page_size = min(max(int(value("PageSize") or 50), 1), 1000)
            page = max(int(value("Page") or 0), 0)
            offset = int((value("PageToken") or "PA0")[2:])
        except ValueError:
            return self.error(400, 20001, "Invalid paging parameter")
        day = lambda t: time.strftime("%Y-%m-%d", time.gmtime(t))
        with store_lock:
            found = [m for m in messages.values()
                     if (value("To") is None or m["to"] == value("To"))
                     and (value("From") is None or m["from"] == value("From"))
                     and (value("DateSent>") is None or day(m["t"]) >= value("DateSent>"))
                     and (value("DateSent<") is None or day(m["t"]) <= value("DateSent<"))
                     and (value("DateSent") is None or day(m["t"]) == value("DateSent"))]
            found.sort(key=lambda m: m["t"], reverse=True)
            chunk = [resource(m) for m in found[offset:offset + page_size]]
        filters = [(k, v[0]) for k, v in query.items() if k not in ("Page", "PageToken", "PageSize")]

        def uri(page_number, token_offset):
            params = filters + [("PageSize", str(page_size)), ("Page", str(page_number))]
            if token_offset:
                params.append(("PageToken", f"PA{token_offset}"))
            return create_path + "?" + urllib.parse.urlencode(params)

        has_next = offset + page_size < len(found)
        self.reply(200, {
            "messages": chunk, "page": page, "page_size": page_size, "start": offset,
            "end": offset + max(len(chunk), 1) - 1, "uri": self.path, "first_page_uri": uri(0, 0),
            "next_page_uri": uri(page + 1, offset + page_size) if has_next else None,
            "previous_page_uri": uri(page - 1, max(offset - page_size, 0)) if page > 0 else None,
        })


for _ in range(4):
    threading.Thread(target=callback_worker, daemon=True).start()
# A listen backlog like a real server's: socketserver's default of 5 makes a burst of concurrent
# connections overflow the accept queue, and a request written on a connection the kernel then
# resets is an ambiguous outcome no real carrier produces that way.
ThreadingHTTPServer.request_queue_size = 256
server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print(f"twilio stub listening on 127.0.0.1:{args.port}", flush=True)
server.serve_forever()
