#!/usr/bin/env python3
"""A client of the Amplifi Dispatch HTTP API, written from its documentation (the README's
"HTTP API" section and GET /openapi.json), not from the server's code. Python 3 standard library
only.

It plays an ops dashboard: it creates a campaign (with an Idempotency-Key, retrying once as a
client would after a timeout), follows the campaign's Server-Sent Events, pauses the campaign as
soon as messages are flowing, resumes it once the pause shows in the stream, and stops at the
stream's `end` event. It prints one JSON line per step and a final summary line; it exits 0 when
the campaign completed and every step got the documented answer, 1 otherwise.

usage:
  amplifi_api_client.py --base-url http://127.0.0.1:PORT --key am_live_... --body '{"name": ...}'
                        [--timeout-seconds 120]
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid


def log(step, **fields):
    print(json.dumps({"step": step, **fields}, sort_keys=True), flush=True)


class Client:
    def __init__(self, base_url, key):
        self.base_url = base_url.rstrip("/")
        self.key = key

    def request(self, method, path, body=None, headers=None):
        """(status, parsed JSON body, headers) of one call; error statuses are answers too."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.key)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}"), dict(error.headers)

    def events(self, path, timeout):
        """Yields (event name, data) of a text/event-stream until it closes."""
        request = urllib.request.Request(self.base_url + path)
        request.add_header("Authorization", "Bearer " + self.key)
        request.add_header("Accept", "text/event-stream")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.headers.get("Content-Type", "").split(";")[0] != "text/event-stream":
                raise RuntimeError("not an event stream: " + response.headers.get("Content-Type", ""))
            name, data = None, []
            for raw in response:
                line = raw.decode().rstrip("\r\n")
                if line == "":
                    if name is not None:
                        yield name, json.loads("\n".join(data) or "{}")
                    name, data = None, []
                elif line.startswith(":"):
                    continue  # a comment (keep-alive)
                elif line.startswith("event:"):
                    name = line[len("event:"):].strip()
                elif line.startswith("data:"):
                    data.append(line[len("data:"):].strip())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--body", required=True, help="the campaign's JSON body")
    parser.add_argument("--timeout-seconds", type=float, default=120)
    options = parser.parse_args()
    client = Client(options.base_url, options.key)
    problems = []

    # Create, then send the very same request again as a retry would: one campaign, same answer.
    body = json.loads(options.body)
    idempotency = {"Idempotency-Key": str(uuid.uuid4())}
    status, created, _ = client.request("POST", "/api/campaigns", body, idempotency)
    if status != 201 or created.get("success") is not True:
        log("create", status=status, answer=created)
        return 1
    campaign_id = created["data"]["id"]
    log("create", status=status, id=campaign_id, campaign_status=created["data"]["status"])
    status, again, headers = client.request("POST", "/api/campaigns", body, idempotency)
    replayed = headers.get("Idempotent-Replayed") == "true"
    log("retry", status=status, same_id=again.get("data", {}).get("id") == campaign_id, replayed=replayed)
    if status != 201 or again.get("data", {}).get("id") != campaign_id or not replayed:
        problems.append("the retried create was not answered with the first campaign")

    # Follow the stream; pause once messages flow, resume once the pause shows.
    paused_at = resumed = None
    final = None
    started = time.monotonic()
    last_progress = {}
    for name, data in client.events("/api/campaigns/%s/events" % campaign_id, options.timeout_seconds):
        if name == "progress":
            last_progress = data
            if paused_at is None and data.get("sent", 0) > 0:
                status, answer, _ = client.request(
                    "POST", "/api/campaigns/%s/pause" % campaign_id, {"reason": "client check"})
                paused_at = data.get("sent")
                log("pause", status=status, sent=paused_at, answer_status=answer.get("data", {}).get("status"))
                if status != 200:
                    problems.append("pause answered %d" % status)
        elif name == "status":
            log("status", status=data.get("status"), reason=data.get("reason"))
            if data.get("status") == "paused" and not resumed:
                status, answer, _ = client.request("POST", "/api/campaigns/%s/resume" % campaign_id)
                resumed = True
                log("resume", status=status)
                if status != 200:
                    problems.append("resume answered %d" % status)
        elif name == "end":
            final = data.get("status")
            break
        if time.monotonic() - started > options.timeout_seconds:
            problems.append("no end event in time")
            break

    # A second pause after the end is refused, naming the status.
    status, refused, _ = client.request("POST", "/api/campaigns/%s/pause" % campaign_id)
    code = refused.get("error", {}).get("code")
    log("pause_after_end", status=status, code=code)
    if status != 409 or code != "INVALID_TRANSITION":
        problems.append("pausing a finished campaign answered %d %s" % (status, code))

    status, shown, _ = client.request("GET", "/api/campaigns/%s" % campaign_id)
    metrics = shown.get("data", {}).get("metrics", {})
    summary = {
        "final": final, "paused_at": paused_at, "resumed": bool(resumed), "sent": metrics.get("sent"),
        "audience": metrics.get("audienceSize"), "progress_sent": last_progress.get("sent"), "problems": problems,
    }
    log("summary", **summary)
    return 0 if final == "completed" and paused_at is not None and resumed and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
