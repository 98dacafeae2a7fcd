#!/usr/bin/python3
"""No telephone or account number ever appears whole in the adapter's output.

Starts `voip-migration-adapter --simulate --log-level debug`, sends every
simulator trigger and a set of bad inputs carrying known canary telephone and
account numbers through both faces (JSON and SOAP), then reads everything the process wrote (stdout: JSON logs;
stderr: start-up lines) and fails on any line holding a canary in full, or on
a log line that is not one JSON object.

usage: log_canary_test.py ADAPTER_BINARY
"""
import json
import subprocess
import sys
import urllib.error
import urllib.request

ADAPTER = sys.argv[1]
CANARY_PHONES = ["447911123456", "447700900001", "447700900002", "447700900003", "447700900004",
                 "447700900005", "447700900006", "447700900007", "447700900008", "447700900009"]
CANARY_ACCOUNTS = ["550019283746", "ACCT-CANARY-88213", "7391\r\n{\"forged\":1}"]


def post(base, body, content_type="application/json", headers=None):
    data = body if isinstance(body, bytes) else body.encode()
    request = urllib.request.Request(base + "/CreateVOIPMigrationWorkOrder", data=data, method="POST",
                                     headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


SOAP_ACTION = '"http://schemas.cableco.example/spm/voip-migration/v1/CreateVOIPMigrationWorkOrder"'


def soap(base, phone, account, site="42"):
    envelope = f"""<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:spm="http://schemas.cableco.example/spm/voip-migration/v1"><soapenv:Body>
    <spm:CreateVOIPMigrationWorkOrder><spm:telephoneNumber>{phone}</spm:telephoneNumber>
    <spm:accountIdentification><spm:accountNumber>{account}</spm:accountNumber>
    <spm:siteReference>{site}</spm:siteReference></spm:accountIdentification>
    </spm:CreateVOIPMigrationWorkOrder></soapenv:Body></soapenv:Envelope>"""
    request = urllib.request.Request(base + "/soap", data=envelope.encode(), method="POST",
                                     headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": SOAP_ACTION})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def request(phone, account, site=42):
    return json.dumps({"telephoneNumber": phone, "accountIdentification": {"accountNumber": account,
                                                                             "siteReference": site}})


def main():
    proc = subprocess.Popen([ADAPTER, "--simulate", "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0", "--log-level", "debug",
                             "--workorder-timeout-ms", "300", "--midas-timeout-ms", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr_lines = []
    for line in proc.stderr:
        stderr_lines.append(line)
        if line.startswith("try:"):
            break
    base = next(l.split("listening on ")[1].strip() for l in stderr_lines if "listening on" in l)
    sent = 0
    try:
        for phone in CANARY_PHONES:
            for account in CANARY_ACCOUNTS:
                post(base, request(phone, account))
                sent += 1
        bad = [request("+" + CANARY_PHONES[0], CANARY_ACCOUNTS[0]),          # not digits
               request(CANARY_PHONES[0] + "0000", CANARY_ACCOUNTS[1]),       # too long
               request(CANARY_PHONES[0], CANARY_ACCOUNTS[0] * 3),            # account too long
               request(CANARY_PHONES[0], CANARY_ACCOUNTS[0], "x" + CANARY_PHONES[1]),  # bad siteReference
               '{"telephoneNumber":"%s","telephoneNumber":"%s"}' % (CANARY_PHONES[0], CANARY_PHONES[1]),
               "telephoneNumber=%s&account=%s" % (CANARY_PHONES[0], CANARY_ACCOUNTS[0])]
        for body in bad:
            post(base, body)
            sent += 1
        # The SOAP face: every trigger, a validation failure, and an envelope it cannot process.
        for phone in CANARY_PHONES:
            assert soap(base, phone, CANARY_ACCOUNTS[1]) == 200
            sent += 1
        assert soap(base, CANARY_PHONES[0] + "x", CANARY_ACCOUNTS[0], "x" + CANARY_PHONES[1]) == 200
        assert soap(base, CANARY_PHONES[0], CANARY_ACCOUNTS[0] + "<unclosed") == 500
        sent += 2
        post(base, request(CANARY_PHONES[0], CANARY_ACCOUNTS[0]), "text/plain")
        # Correlation ids are logged as given (they exist to be searched for); the
        # docs tell callers never to put personal data in them.
        post(base, request(CANARY_PHONES[0], CANARY_ACCOUNTS[0]), headers={"X-Correlation-ID": "crm-case-A17"})
        sent += 2
    finally:
        proc.terminate()
        stdout, rest = proc.communicate(timeout=20)
    output = stdout.splitlines() + [l.rstrip("\n") for l in stderr_lines] + rest.splitlines()
    failures = 0
    request_lines = 0
    for number, line in enumerate(output, 1):
        for canary in CANARY_PHONES + CANARY_ACCOUNTS:
            if canary in line:
                print(f"FAIL line {number} holds {canary!r} in full: {line[:300]}")
                failures += 1
    for line in stdout.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            print(f"FAIL stdout line is not JSON: {line[:300]}")
            failures += 1
            continue
        request_lines += entry.get("event") == "request"
    if request_lines != sent:
        print(f"FAIL {request_lines} request log lines for {sent} requests")
        failures += 1
    print(f"checked {len(output)} lines from {sent} requests")
    print(f"{1 if failures == 0 else 0} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
