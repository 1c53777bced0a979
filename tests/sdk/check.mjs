// Amazon's Node SDK, unmodified, against `proactive-events emulate --tls`.
//
// ask-sdk-model's ProactiveEventsServiceClient (with its own LwaServiceClient,
// `authEndpoint` set to the emulator) and ask-sdk-core's DefaultApiClient,
// exactly as a skill uses them. The emulator's certificate is trusted through
// NODE_EXTRA_CA_CERTS, as the README shows. Checks, on the live stage (the
// Python check uses the development stage of the same emulator):
//
// - every body in tests/bodies/valid is accepted (202), and the same body again
//   is 409 with a parsed error whose `code` is a number (the SDK's typing);
// - every body in tests/bodies/invalid is 400 with a parsed error;
// - a wrong client secret is refused with a parsed LWA error (401 invalid_client).
//
// Bodies are moved to the present first (the emulator checks the expiry window
// against its clock). Run by run.sh; EMULATOR_URL, EMULATOR_CLIENT_ID and
// EMULATOR_CLIENT_SECRET say where and with what.

import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { DefaultApiClient } = require("ask-sdk-core");
const { services } = require("ask-sdk-model");

const here = dirname(fileURLToPath(import.meta.url));
const bodies = join(here, "..", "bodies");
const failures = [];
let checks = 0;

function fail(name, why) {
  failures.push(`${name}: ${why}`);
  console.error(`FAIL ${name}: ${why}`);
}

function read(kind) {
  return readdirSync(join(bodies, kind))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => [`${kind}/${f}`, JSON.parse(readFileSync(join(bodies, kind, f), "utf8"))]);
}

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

// The body with `timestamp` near now and `expiryTime` as far after it as before:
// a short window starts a minute ahead, a long one a minute behind, so that the
// emulator's clock check holds at both ends of the bank's boundary bodies.
// A date-time with a zone, in milliseconds; NaN for anything else (left as it is).
function parseTime(text) {
  if (typeof text !== "string" || !/(Z|[+-]\d\d:\d\d)$/i.test(text)) return NaN;
  return Date.parse(text);
}

function toThePresent(body) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const timestamp = parseTime(body.timestamp);
  if (Number.isNaN(timestamp)) return body;
  const expiry = parseTime(body.expiryTime);
  const span = Number.isNaN(expiry) ? null : expiry - timestamp;
  const start = span !== null && span > 12 * HOUR ? Date.now() - MINUTE : Date.now() + MINUTE;
  const moved = { ...body, timestamp: new Date(start).toISOString() };
  if (span !== null) moved.expiryTime = new Date(start + span).toISOString();
  return moved;
}

function client(url, clientId, clientSecret) {
  const apiConfiguration = {
    apiClient: new DefaultApiClient(),
    apiEndpoint: url,
    authorizationValue: "",
  };
  const authenticationConfiguration = { clientId, clientSecret, authEndpoint: url };
  return new services.proactiveEvents.ProactiveEventsServiceClient(
    apiConfiguration,
    authenticationConfiguration,
  );
}

function expectError(name, error, status) {
  if (error?.name !== "ServiceError") {
    fail(name, `not a ServiceError: ${error}`);
    return;
  }
  if (error.statusCode !== status) {
    fail(name, `status ${error.statusCode}, expected ${status} (${JSON.stringify(error.response)})`);
    return;
  }
  const body = error.response;
  if (body === null || typeof body !== "object") {
    fail(name, `the SDK did not parse the error body: ${JSON.stringify(body)}`);
  } else if (typeof body.code !== "number" || body.code !== status) {
    fail(name, `code ${JSON.stringify(body.code)}, expected the number ${status}`);
  } else if (typeof body.message !== "string" || body.message === "") {
    fail(name, `no message: ${JSON.stringify(body)}`);
  }
}

async function main() {
  const url = process.env.EMULATOR_URL;
  const clientId = process.env.EMULATOR_CLIENT_ID;
  const secret = process.env.EMULATOR_CLIENT_SECRET;
  if (!url?.startsWith("https://")) {
    fail("setup", `EMULATOR_URL must be https: ${url}`);
    return;
  }
  const events = client(url, clientId, secret);
  const stage = "LIVE";

  const valid = read("valid");
  for (const [name, raw] of valid) {
    const body = toThePresent(raw);
    checks += 2;
    try {
      await events.createProactiveEvent(body, stage);
    } catch (error) {
      fail(name, `refused with ${error.statusCode}: ${JSON.stringify(error.response) ?? error}`);
      continue;
    }
    try {
      await events.createProactiveEvent(body, stage);
      fail(name, "the resend was accepted; expected 409");
    } catch (error) {
      expectError(`${name} (resent)`, error, 409);
    }
  }

  const invalid = read("invalid");
  for (const [name, raw] of invalid) {
    checks += 1;
    try {
      await events.createProactiveEvent(toThePresent(raw), stage);
      fail(name, "accepted; expected 400");
    } catch (error) {
      expectError(name, error, 400);
    }
  }

  checks += 1;
  try {
    await client(url, clientId, `${secret}-wrong`).createProactiveEvent(
      toThePresent(valid[0][1]),
      stage,
    );
    fail("wrong secret", "accepted");
  } catch (error) {
    const body = error?.response;
    if (error?.name !== "ServiceError" || error.statusCode !== 401) {
      fail("wrong secret", `expected a 401 ServiceError, got ${error?.statusCode}: ${error}`);
    } else if (body?.error !== "invalid_client" || typeof body.error_description !== "string") {
      fail("wrong secret", `not a parsed LWA invalid_client error: ${JSON.stringify(body)}`);
    }
  }

  console.log(
    `node ask-sdk: ${valid.length} valid bodies accepted and resent, ` +
      `${invalid.length} invalid bodies refused, wrong secret refused`,
  );
}

try {
  await main();
} catch (error) {
  checks += 1;
  fail("node ask-sdk", `${error?.name}: ${error?.message}`);
}
console.log(`node-sdk: ${checks - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
