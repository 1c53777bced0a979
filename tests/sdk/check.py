"""Amazon's Python SDK, unmodified, against `proactive-events emulate --tls`.

ask-sdk-model's ProactiveEventsServiceClient and LwaClient with ask-sdk-core's
DefaultApiClient (which refuses any endpoint that is not HTTPS) and serializer,
exactly as a skill uses them. The emulator's certificate is trusted through
REQUESTS_CA_BUNDLE, as the README shows. Checks, on the development stage:

- every body in tests/bodies/valid, as the SDK's own model
  (CreateProactiveEventRequest), is accepted (202), and the same body again is
  409 with an error the SDK parses into its Error model (integer `code`);
- every body in tests/bodies/invalid is 400 with a parsed Error;
- a wrong client secret is refused by the LWA client with a parsed LWA error
  (401 `invalid_client`).

Bodies are moved to the present first (the emulator checks the expiry window
against its clock). Run by run.sh; EMULATOR_URL, EMULATOR_CLIENT_ID and
EMULATOR_CLIENT_SECRET say where and with what.
"""

import datetime
import json
import os
import pathlib
import sys

from ask_sdk_core.api_client import DefaultApiClient
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model.services.api_configuration import ApiConfiguration
from ask_sdk_model.services.authentication_configuration import AuthenticationConfiguration
from ask_sdk_model.services.lwa import LwaClient
from ask_sdk_model.services.lwa.error import Error as LwaError
from ask_sdk_model.services.proactive_events import ProactiveEventsServiceClient, SkillStage
from ask_sdk_model.services.proactive_events.error import Error
from ask_sdk_model.services.service_exception import ServiceException

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
BODIES = ROOT / "tests" / "bodies"
MODEL = (
    "ask_sdk_model.services.proactive_events.create_proactive_event_request."
    "CreateProactiveEventRequest"
)

failures = []
checks = 0


def check():
    global checks
    checks += 1


def fail(name, why):
    failures.append(f"{name}: {why}")
    print(f"FAIL {name}: {why}", file=sys.stderr)


def parse_time(text):
    """A date-time with a zone; `None` for anything else (left as it is)."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def to_the_present(body):
    """The body with `timestamp` near now and `expiryTime` as far after it as before.

    A short window starts a minute ahead and a long one a minute behind, so that
    the emulator's clock check (expiry 5 min to 24 h from its now) holds at both
    ends of the bank's boundary bodies.
    """
    if not isinstance(body, dict):
        return body
    timestamp = parse_time(body.get("timestamp"))
    if timestamp is None:
        return body
    expiry = parse_time(body.get("expiryTime"))
    now = datetime.datetime.now(datetime.timezone.utc)
    span = expiry - timestamp if expiry is not None else None
    lead = datetime.timedelta(minutes=1)
    start = now - lead if span is not None and span > datetime.timedelta(hours=12) else now + lead
    moved = dict(body)
    moved["timestamp"] = iso(start)
    if span is not None:
        moved["expiryTime"] = iso(start + span)
    return moved


def clients(url, client_id, secret):
    serializer = DefaultSerializer()
    api_client = DefaultApiClient()
    api = ApiConfiguration(serializer=serializer, api_client=api_client, api_endpoint=url)
    auth = AuthenticationConfiguration(client_id=client_id, client_secret=secret)
    # The service client's own LwaClient would ask Amazon's token endpoint: the
    # SDK takes an LwaClient for another one, here the emulator's.
    lwa = LwaClient(
        api_configuration=ApiConfiguration(
            serializer=serializer, api_client=api_client, api_endpoint=url
        ),
        authentication_configuration=auth,
    )
    return serializer, ProactiveEventsServiceClient(api, auth, lwa_client=lwa)


def expect_error(name, error, status):
    if error.status_code != status:
        fail(name, f"status {error.status_code}, expected {status} ({error.body!r})")
        return
    body = error.body
    if not isinstance(body, Error):
        fail(name, f"the SDK did not parse the error into its Error model: {body!r}")
    elif not isinstance(body.code, int) or body.code != status:
        fail(name, f"code {body.code!r}, expected the integer {status}")
    elif not isinstance(body.message, str) or not body.message:
        fail(name, f"no message: {body!r}")


def main():
    url = os.environ["EMULATOR_URL"]
    client_id = os.environ["EMULATOR_CLIENT_ID"]
    secret = os.environ["EMULATOR_CLIENT_SECRET"]
    if not url.startswith("https://"):
        fail("setup", f"EMULATOR_URL must be https (the SDK refuses anything else): {url}")
        return
    serializer, client = clients(url, client_id, secret)
    stage = SkillStage.DEVELOPMENT

    valid = sorted((BODIES / "valid").glob("*.json"))
    for path in valid:
        name = f"valid/{path.name}"
        body = to_the_present(json.loads(path.read_text(encoding="utf-8")))
        # As a skill would: the SDK's own request model.
        request = serializer.deserialize(json.dumps(body), MODEL)
        try:
            client.create_proactive_event(request, stage)
        except ServiceException as error:
            fail(name, f"refused with {error.status_code}: {error.body!r}")
            continue
        try:
            client.create_proactive_event(request, stage)
            fail(name, "the resend was accepted; expected 409")
        except ServiceException as error:
            expect_error(f"{name} (resent)", error, 409)
        check()
        check()

    invalid = sorted((BODIES / "invalid").glob("*.json"))
    for path in invalid:
        name = f"invalid/{path.name}"
        # As sent over the wire: the model would drop unknown fields.
        body = to_the_present(json.loads(path.read_text(encoding="utf-8")))
        try:
            client.create_proactive_event(body, stage)
            fail(name, "accepted; expected 400")
        except ServiceException as error:
            expect_error(name, error, 400)
        check()

    _, wrong = clients(url, client_id, secret + "-wrong")
    try:
        wrong.create_proactive_event(
            to_the_present(json.loads(valid[0].read_text(encoding="utf-8"))), stage
        )
        fail("wrong secret", "accepted")
    except ServiceException as error:
        body = error.body
        if error.status_code != 401:
            fail("wrong secret", f"status {error.status_code}, expected 401 ({body!r})")
        elif not isinstance(body, LwaError) or body.error_type != "invalid_client":
            fail("wrong secret", f"not a parsed LWA invalid_client error: {body!r}")
        elif not isinstance(body.error_description, str):
            fail("wrong secret", f"no error_description: {body!r}")
    check()

    print(
        f"python ask-sdk: {len(valid)} valid bodies accepted and resent, "
        f"{len(invalid)} invalid bodies refused, wrong secret refused"
    )


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - any crash of the SDK is a failure here
        check()
        fail("python ask-sdk", f"{type(error).__name__}: {error}")
    print(f"python-sdk: {checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)
