#!/bin/sh
# A CI step that fails when a WebSocket endpoint does not work: the doctor's exit code decides it
# (0 when the handshake, a ping and a clean close all passed; 13 no WebSocket there, 14 a proxy dropped
# Upgrade, 17 unauthorized, …: the table is in docs/doctor.md), and its verdict goes to the log.
#
# In a GitHub Actions job, after `npm ci` in a project that depends on steadysocket:
#
#   - name: Check the WebSocket endpoint
#     run: sh examples/doctor-ci.sh "wss://chat.example.com/ws"
#
set -u
url="${1:?usage: doctor-ci.sh <ws-or-wss-url>}"

# --no: run the steadysocket that npm ci installed (the lock file's version), never download one.
report=$(npx --no steadysocket doctor --json --timeout 5000 "$url")
code=$?

# The report is one JSON object (its fields are in docs/doctor.md); node is there anyway. Its url has
# the query values and credentials masked: a token in "$url" stays out of the log.
printf '%s' "$report" | node -e '
  let input = "";
  process.stdin.on("data", (chunk) => (input += chunk));
  process.stdin.on("end", () => {
    let report;
    try {
      report = JSON.parse(input);
    } catch {
      return console.log(input); // not a report: show whatever the doctor printed
    }
    const { url, rtt, verdict } = report;
    const where = url ? `${url}: ` : "";
    if (verdict.ok) console.log(`ok: ${where}${verdict.message} (ping round trip ${rtt} ms)`);
    else console.log(`${verdict.kind}: ${where}${verdict.message}${verdict.fix ? `\nfix: ${verdict.fix}` : ""}`);
  });
'

exit "$code"
