// The emulator's page in a real headless browser (Debian's Chromium, driven by
// playwright-core): load it, send events, and check that the accepted ones show
// their sentences (the same text `proactive-events preview` prints), the refused
// ones their rule ids, and that hostile text from a body stays text. Saves a
// screenshot. Run by run.sh, which starts the emulator and sets:
//   EMULATOR_URL, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, PROACTIVE_EVENTS_BIN,
//   CHROMIUM, SCREENSHOT (where to save the PNG), PROFILE_DIR (a fresh, empty folder).

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const here = dirname(fileURLToPath(import.meta.url));
const bank = join(here, "..", "bodies");
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const url = env("EMULATOR_URL");
const failures = [];
let checks = 0;

function check(name, ok, detail = "") {
  checks += 1;
  if (!ok) {
    failures.push(name);
    console.error(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
  }
}

const MINUTE = 60 * 1000;
// `timestamp` near now, `expiryTime` as far after it as in the bank.
function toThePresent(body) {
  const timestamp = Date.parse(body.timestamp);
  const span = Date.parse(body.expiryTime) - timestamp;
  const start = span > 12 * 60 * MINUTE ? Date.now() - MINUTE : Date.now() + MINUTE;
  return {
    ...body,
    timestamp: new Date(start).toISOString(),
    expiryTime: new Date(start + span).toISOString(),
  };
}

function fromBank(kind, file) {
  return toThePresent(JSON.parse(readFileSync(join(bank, kind, file), "utf8")));
}

async function token() {
  const response = await fetch(`${url}/auth/o2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: env("EMULATOR_CLIENT_ID"),
      client_secret: env("EMULATOR_CLIENT_SECRET"),
      scope: "alexa::proactive_events",
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function send(bearer, body) {
  const response = await fetch(`${url}/v1/proactiveEvents/stages/development`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

// What `proactive-events preview` prints for a body: [[locale, sentence], ...].
function preview(body, dir) {
  const file = join(dir, `${body.referenceId}.json`);
  writeFileSync(file, JSON.stringify(body));
  const out = execFileSync(env("PROACTIVE_EVENTS_BIN"), ["preview", file], { encoding: "utf8" });
  return out
    .trim()
    .split("\n")
    .map((line) => [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)]);
}

const HOSTILE = `<script>window.__pwned = 1; alert("pwned")</script><img src=x onerror="window.__pwned = 2">`;

async function main() {
  const profile = env("PROFILE_DIR");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env("CHROMIUM"),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = [];
    page.on("dialog", async (dialog) => {
      problems.push(`a dialog opened: ${dialog.message()}`);
      await dialog.dismiss();
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    // Anything but the emulator itself is a failure (the page has no external asset).
    await page.route("**/*", (route) =>
      route.request().url().startsWith(url) ? route.continue() : route.abort(),
    );
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
    const polls = [];
    page.on("request", (request) => {
      if (request.url().includes("/emulator/feed")) polls.push(request.url());
    });

    const response = await page.goto(`${url}/`);
    check("the page loads", response?.status() === 200, `${response?.status()}`);
    await page.waitForFunction(() => document.body.dataset.version !== undefined, null, {
      timeout: 15000,
    });
    check(
      "the page says there is nothing yet",
      (await page.locator("#accepted .empty").count()) === 1,
    );

    const bearer = await token();
    const work = env("PROFILE_DIR") + "-bodies";
    mkdirSync(work, { recursive: true });
    const weather = fromBank("valid", "weather-alert-thunder-storm-fr-de-expiry-5min.json");
    const trash = fromBank("valid", "trash-collection-glass-tuesday-multicast.json");
    const message = fromBank("valid", "message-alert-unread-urgent-unicast.json");
    message.relevantAudience = { type: "Unicast", payload: { user: "amzn1.ask.account.ALICE" } };
    const hostile = structuredClone(message);
    hostile.referenceId = "hostile0001";
    hostile.relevantAudience = { type: "Multicast", payload: {} };
    hostile.event.payload.messageGroup.creator.name = HOSTILE;
    const stranger = structuredClone(message);
    stranger.referenceId = "stranger0001";
    stranger.relevantAudience = { type: "Unicast", payload: { user: "amzn1.ask.account.NOT_SUBSCRIBED" } };
    const invalid = fromBank("invalid", "order-status-status-unknown.json");

    const sent = {};
    for (const body of [hostile, trash, weather, message]) sent[body.referenceId] = await send(bearer, body);
    const refusedStatus = await send(bearer, stranger);
    const invalidStatus = await send(bearer, invalid);
    check("the valid events are accepted", Object.values(sent).every((s) => s === 202), JSON.stringify(sent));
    check("an unsubscribed user's Unicast is refused with 403", refusedStatus === 403, `${refusedStatus}`);
    check("an invalid body is refused with 400", invalidStatus === 400, `${invalidStatus}`);

    // The page catches up by itself (it polls every second).
    await page.waitForFunction(
      () =>
        document.querySelectorAll("#accepted li.event.accepted").length === 4 &&
        document.querySelectorAll("#refused li.event.refused").length === 2,
      null,
      { timeout: 15000 },
    );

    const order = await page.locator("#accepted li.event.accepted").evaluateAll((items) =>
      items.map((li) => li.dataset.referenceId),
    );
    check(
      "accepted events are listed newest first",
      JSON.stringify(order) ===
        JSON.stringify([message.referenceId, weather.referenceId, trash.referenceId, hostile.referenceId]),
      JSON.stringify(order),
    );

    for (const body of [weather, trash, message]) {
      const card = page.locator(`#accepted li.event.accepted[data-reference-id="${body.referenceId}"]`);
      const expected = preview(body, work);
      const shown = await card.locator("li.sentence").evaluateAll((items) =>
        items.map((li) => [li.dataset.locale, li.querySelector(".text")?.textContent ?? ""]),
      );
      check(
        `${body.referenceId}: every locale's sentence, as \`preview\` prints it`,
        JSON.stringify(shown) === JSON.stringify(expected),
        `shown ${JSON.stringify(shown)}, preview ${JSON.stringify(expected)}`,
      );
      const text = await card.innerText();
      for (const [what, value] of [
        ["name", body.event.name],
        ["stage", "development"],
        ["referenceId", body.referenceId],
      ]) {
        check(`${body.referenceId}: shows its ${what}`, text.includes(value), text);
      }
      check(
        `${body.referenceId}: shows its expiry`,
        (await card.locator("dd.expiry").textContent())?.length > 0,
      );
    }
    const weatherText = await page
      .locator(`li.event.accepted[data-reference-id="${weather.referenceId}"]`)
      .innerText();
    check("the weather alert's German sentence", weatherText.includes("Provided by Beispielwetter."), weatherText);
    const reached = await page
      .locator(`li.event.accepted[data-reference-id="${trash.referenceId}"] dd.reached`)
      .textContent();
    check("a Multicast shows how many subscribers it reached", reached === "2 users", reached);
    const unicast = await page
      .locator(`li.event.accepted[data-reference-id="${message.referenceId}"] dd.audience`)
      .textContent();
    check("a Unicast shows its user", unicast === "Unicast to amzn1.ask.account.ALICE", unicast);

    // Hostile text is shown as text: no script ran, no element was made from it.
    const hostileCard = page.locator(`li.event.accepted[data-reference-id="${hostile.referenceId}"]`);
    const hostileSentence = await hostileCard.locator("li.sentence .text").first().textContent();
    check("hostile text is shown literally", hostileSentence?.includes(HOSTILE), hostileSentence);
    check("no script from a body ran", (await page.evaluate(() => window.__pwned)) === undefined);
    check("no element from a body", (await hostileCard.locator("script, img").count()) === 0);
    check("the page has its own script only", (await page.locator("script").count()) === 1);

    // Refusals: rule ids for the invalid body, the message for the unsubscribed user.
    const invalidCard = page.locator("#refused li.event.refused", { hasText: invalid.referenceId });
    const rules = await invalidCard.locator("td.rule").allTextContents();
    check("a refused body shows its rule ids", rules.includes("PAYLOAD-ENUM"), JSON.stringify(rules));
    check(
      "a refused body shows its status",
      (await invalidCard.locator(".badge.status").textContent()) === "400",
    );
    const strangerCard = page.locator("#refused li.event.refused", { hasText: stranger.referenceId });
    const strangerText = await strangerCard.innerText();
    check(
      "a refused Unicast shows why",
      strangerText.includes("403") && strangerText.includes("not subscribed"),
      strangerText,
    );
    const refusedOrder = await page.locator("#refused li.event.refused .name").allTextContents();
    check(
      "refusals are listed newest first",
      refusedOrder[0] === invalid.event.name,
      JSON.stringify(refusedOrder),
    );

    // Each poll asks only for what came after the newest event seen.
    await page.waitForTimeout(1500);
    check(
      "the page polls the feed for what is new only",
      polls.some((u) => /[?&]after=[1-9][0-9]*&limit=200$/.test(u)),
      polls.slice(-3).join(" "),
    );
    const kept = (await page.locator("#kept").textContent()) ?? "";
    check("the page says what the emulator keeps", kept.includes("SHA-256") && kept.includes("10,000"), kept);

    check("no dialog, page error, console error or outside request", problems.length === 0, problems.join("; "));

    const screenshot = env("SCREENSHOT");
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
  } finally {
    await context.close();
  }
}

try {
  await main();
} catch (error) {
  check("browser check", false, `${error?.name}: ${error?.message}`);
}
console.log(`browser: ${checks - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
