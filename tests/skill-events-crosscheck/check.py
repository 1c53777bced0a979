"""Cross-check of our skill-request verifier against Amazon's own.

Runs Amazon's `ask-sdk-webservice-support` (WebserviceSkillHandler with its default
RequestVerifier and TimestampVerifier, and ask-sdk-core's skill-id check) on the
signed corpus that `tests/it/skill_events_corpus.rs` writes, and asserts that its
verdict (accept / refuse) equals the expected one and ours on every case.

Amazon's code is pointed at the test PKI by patching exactly two names it imports,
never its checks:
  * `verifier.urlopen` (the download): fetches the same path from a loopback
    http.server over the corpus's chains/ instead of https://s3.amazonaws.com;
    the URL rule is still applied to the header by Amazon's own
    `_validate_certificate_url` first;
  * `verifier.CertificateValidator` (the trust): the same certvalidator class,
    given a ValidationContext that trusts only the corpus's test root.
The clock is frozen (freezegun, a dependency of the package) at the corpus's `now`,
so that the corpus may be checked minutes after it was signed.

One workaround, not of Amazon's code: oscrypto 1.3.0 (the newest on PyPI, used by
certvalidator) cannot parse an OpenSSL version with a two-digit patch number
("3.0.19"); its upstream fix widens one regular expression, applied here while
oscrypto is imported.

Usage: python3 check.py CORPUS_DIR
"""

import functools
import http.server
import json
import os
import re
import sys
import threading
import urllib.parse
import urllib.request
import warnings

# Amazon's verifier reads cryptography's naive-datetime properties: deprecated, not wrong.
warnings.filterwarnings("ignore", message="Properties that return a na")

# --- oscrypto 1.3.0 + OpenSSL >= 3.0.10 (upstream fix: `\d` -> `\d+` for the patch).
_search = re.search


def _patched_search(pattern, string, *args, **kwargs):
    if pattern == "\\b(\\d\\.\\d\\.\\d[a-z]*)\\b":
        pattern = "\\b(\\d\\.\\d\\.\\d+[a-z]*)\\b"
    return _search(pattern, string, *args, **kwargs)


re.search = _patched_search
try:
    import oscrypto.asymmetric  # noqa: F401  (loads libcrypto once)
finally:
    re.search = _search

from asn1crypto import pem  # noqa: E402
from ask_sdk_core.dispatch_components import AbstractRequestHandler  # noqa: E402
from ask_sdk_core.skill_builder import SkillBuilder  # noqa: E402
from ask_sdk_runtime.exceptions import AskSdkException  # noqa: E402
from ask_sdk_webservice_support import verifier as amazon  # noqa: E402
from ask_sdk_webservice_support.webservice_handler import WebserviceSkillHandler  # noqa: E402
from certvalidator import CertificateValidator, ValidationContext  # noqa: E402
from freezegun import freeze_time  # noqa: E402


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class AnyRequest(AbstractRequestHandler):
    """Handles every request that got through verification."""

    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        return handler_input.response_builder.response


def main(corpus_dir):
    with open(os.path.join(corpus_dir, "corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    with open(os.path.join(corpus_dir, "root.pem"), "rb") as f:
        root_der = [der for _, _, der in pem.unarmor(f.read(), multiple=True)]

    # The chain server: loopback, any free port, the corpus's chains/ folder.
    handler = functools.partial(Quiet, directory=os.path.join(corpus_dir, "chains"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    downloads = []

    def local_urlopen(url, *args, **kwargs):
        path = urllib.parse.urlparse(url).path
        downloads.append(url)
        return urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10)

    def test_root_validator(end_entity_cert, intermediate_certs=None, **kwargs):
        context = ValidationContext(trust_roots=root_der)
        return CertificateValidator(
            end_entity_cert, intermediate_certs, validation_context=context
        )

    amazon.urlopen = local_urlopen
    amazon.CertificateValidator = test_root_validator

    builder = SkillBuilder()
    builder.skill_id = corpus["skill_id"]
    builder.add_request_handler(AnyRequest())
    skill = WebserviceSkillHandler(skill=builder.create())

    failures = 0
    # ask_sdk_core's serializer compares types with `datetime`: left unpatched, it
    # still turns request.timestamp into a datetime.
    with freeze_time(corpus["now"], ignore=["ask_sdk_core.serialize"]):
        for case in corpus["cases"]:
            with open(os.path.join(corpus_dir, case["body"]), "rb") as f:
                body = f.read().decode("utf-8")
            headers = {name: value for name, value in case["headers"]}
            try:
                skill.verify_request_and_dispatch(headers, body)
                theirs, why = "accept", ""
            except AskSdkException as e:
                theirs, why = "refuse", "%s: %s" % (type(e).__name__, e.args[0] if e.args else e)
            except Exception as e:  # any other failure is a refusal too (no 2xx)
                theirs, why = "refuse", "%s: %s" % (type(e).__name__, e)
            same = theirs == case["ours"] == case["expected"]
            failures += not same
            print(
                "%s %-46s expected %-6s ours %-6s (%s) amazon %-6s %s"
                % (
                    "ok  " if same else "DIFF",
                    case["name"][:46],
                    case["expected"],
                    case["ours"],
                    case["our_rule"] or "-",
                    theirs,
                    why,
                )
            )
    server.shutdown()
    print(
        "%d cases, %d differ; Amazon's verifier downloaded %d chain(s)"
        % (len(corpus["cases"]), failures, len(downloads))
    )
    if not downloads:
        print("error: Amazon's verifier downloaded nothing: the patch did not take")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
