// Check the generated JSON Schemas with Ajv (draft 2020-12) against tests/bodies.
//
// ---------------------------------------------------------------------------------------
// Recommended Ajv setup for generated/json-schema/*.schema.json (copy this):
//
//   import Ajv2020 from "ajv/dist/2020.js";   // draft 2020-12; plain "ajv" is draft-07
//   import addFormats from "ajv-formats";     // CommonJS: require("ajv-formats")
//
//   const ajv = new Ajv2020({
//     allErrors: true,
//     discriminator: true,                    // proactive-event.schema.json's `event` oneOf
//     // The generator's extension keywords: annotations, never validation. Declaring them
//     // keeps Ajv's strict mode on, which would otherwise throw `unknown keyword: "x-…"`.
//     keywords: ["x-localizable", "x-spoken", "x-locales", "x-templates"],
//   });
//   addFormats(ajv);                          // "date-time"; without it compile throws
//   const validate = ajv.compile(schema);     // or ajv.addSchema(...) every file, then
//   if (!validate(body)) console.error(validate.errors);  // ajv.getSchema($id)
//
// Why not `strict: false` (or `strictSchema: false`)? It hides the extension keywords, but
// it also turns an unknown or misspelt keyword into a silent no-op, and with it an unknown
// *format*: if addFormats was forgotten, `format: "date-time"` then checks nothing and
// "2024-01-01T00:00:00" passes. `$comment` needs nothing: it is a 2020-12 keyword.
// This script keeps the list below (EXTENSION_KEYWORDS) and fails if a schema uses an `x-`
// keyword missing from it, so the snippet above stays correct for teams that copy it.
// ---------------------------------------------------------------------------------------
//
// For every body in tests/bodies/{valid,invalid}/*.json, the per-event schema
// `<SCHEMA_DIR>/<event.name>.schema.json` (when event.name is a string and the file exists,
// else `proactive-event.schema.json`) and the aggregate `proactive-event.schema.json` must
// both accept the body if it sits in valid/ and both reject it if it sits in invalid/, and
// every case of date-times.json must get its verdict from the generated date-time subschema:
// each twice, with ajv-formats and without any format validation (docs/decisions.md D26).
// When MUTATIONS names a file written by
// `cargo run -p pipeline-tests --example export_mutations -- FILE` (run.sh does this), every
// entry of it, `{file, what, valid, body}` (a single-step mutation of a valid body and the
// Rust verdict on it), must get the verdict `valid` from the per-event schema (picked as
// above) and from the aggregate, in both modes; an unreadable file, a malformed entry or
// fewer than 2000 entries is a failure.
// Prints one line per mismatch, then (with MUTATIONS) `node-ajv mutations: K checked,
// J mismatched (...)`, closes with `node-ajv: N passed, M failed` (N and M count bodies,
// date-time cases and mutations per mode) and exits 1 on any mismatch, on fewer than 50
// bodies or on a missing or broken schema or MUTATIONS file; exits 2 when date-time format
// checking is not active.
// SCHEMA_DIR (optional, default generated/json-schema) and MUTATIONS are taken from the repo
// root when relative. Run `npm ci` in this folder first.

import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

// Extension keywords the generator may emit (keep in sync with the snippet above).
const EXTENSION_KEYWORDS = ["x-localizable", "x-spoken", "x-locales", "x-templates"];

const LABEL = "node-ajv";
const AGGREGATE = "proactive-event.schema.json";
const MIN_BODIES = 50;
const MIN_MUTATIONS = 2000;
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BODIES_DIR = join(REPO_ROOT, "tests", "bodies");
const rawSchemaDir = process.env.SCHEMA_DIR || "generated/json-schema";
const SCHEMA_DIR = isAbsolute(rawSchemaDir) ? rawSchemaDir : join(REPO_ROOT, rawSchemaDir);

function finish(passed, failed, code) {
  console.log(`${LABEL}: ${passed} passed, ${failed} failed`);
  process.exit(code);
}

// Ajv's strict-mode warnings (e.g. strictTypes: `properties` without `type: "object"`) are
// collected and printed once; they do not change the exit code but every team that copies
// the snippet sees them in its log, so the generator should emit schemas that raise none.
const warnings = new Set();
const logger = { log: console.log, warn: (...a) => warnings.add(a.join(" ")), error: console.error };

// Two modes: with ajv-formats, and without (formats ignored, as in a setup that never
// added them): the schemas' date-time `pattern` bounds every component on its own
// (docs/decisions.md D26), so both must give every body and date-time its verdict.
function newAjv(keywords, withFormats = true) {
  const ajv = new Ajv2020({ allErrors: true, discriminator: true, keywords, logger, validateFormats: withFormats });
  if (withFormats) addFormats(ajv);
  return ajv;
}

// --- date-time format checking must be active -----------------------------------------
{
  const probe = newAjv([]).compile({ type: "string", format: "date-time" });
  const accepted = ["2024-01-01T00:00:00", "not a date", "2024-01-01"].filter((s) => probe(s));
  const rejected = ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5+00:00"].filter((s) => !probe(s));
  if (accepted.length || rejected.length) {
    console.error(
      `FATAL: Ajv is not checking format "date-time" (accepted ${JSON.stringify(accepted)}, ` +
        `rejected ${JSON.stringify(rejected)}); check the ajv-formats install.`,
    );
    finish(0, 1, 2);
  }
}

// --- extension keywords: collect every `x-*` keyword used at a schema position ----------
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);
const SCHEMA_ARRAYS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_VALUES = new Set([
  "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
  "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema",
]);

function collectExtensionKeywords(schema, found) {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return found;
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-")) found.add(key); // value is data, not a schema
    else if (SCHEMA_MAPS.has(key) && value && typeof value === "object")
      Object.values(value).forEach((sub) => collectExtensionKeywords(sub, found));
    else if (SCHEMA_ARRAYS.has(key) && Array.isArray(value))
      value.forEach((sub) => collectExtensionKeywords(sub, found));
    else if (SCHEMA_VALUES.has(key)) collectExtensionKeywords(value, found);
  }
  return found;
}

// --- load schemas -----------------------------------------------------------------------
const problems = [];
const schemaFiles = existsSync(SCHEMA_DIR)
  ? readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".schema.json")).sort()
  : [];
const rawSchemas = new Map();
for (const file of schemaFiles) {
  try {
    rawSchemas.set(file, JSON.parse(readFileSync(join(SCHEMA_DIR, file), "utf8")));
  } catch (err) {
    problems.push(`${file}: cannot parse: ${err.message}`);
  }
}
const used = new Set();
for (const schema of rawSchemas.values()) collectExtensionKeywords(schema, used);
const unlisted = [...used].filter((k) => !EXTENSION_KEYWORDS.includes(k)).sort();
if (unlisted.length) {
  problems.push(
    `the schemas use extension keyword(s) ${unlisted.join(", ")} that are not in EXTENSION_KEYWORDS ` +
      `in check.mjs: add them there and to the snippet at its top (Ajv in strict mode throws ` +
      `"unknown keyword" for a team that copied the snippet)`,
  );
}

// --- MUTATIONS: single-step mutations of the valid bodies with the Rust verdict ----------
function loadMutations() {
  const raw = process.env.MUTATIONS;
  if (raw === undefined) return null;
  const fatal = (why) => {
    console.error(`FATAL: MUTATIONS=${raw}: ${why}`);
    finish(0, 1, 1);
  };
  if (raw === "") fatal("empty path");
  const path = isAbsolute(raw) ? raw : join(REPO_ROOT, raw);
  let entries;
  try {
    entries = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    fatal(`cannot read ${path}: ${err.message}`);
  }
  if (!Array.isArray(entries)) fatal("not a JSON array");
  entries.forEach((e, i) => {
    const ok =
      e !== null && typeof e === "object" && !Array.isArray(e) &&
      typeof e.file === "string" && typeof e.what === "string" &&
      typeof e.valid === "boolean" && Object.hasOwn(e, "body");
    if (!ok) fatal(`entry ${i} is not {file: string, what: string, valid: boolean, body}`);
  });
  if (entries.length < MIN_MUTATIONS) fatal(`only ${entries.length} mutations, expected at least ${MIN_MUTATIONS}`);
  return entries;
}
const mutations = loadMutations();
let mutationsChecked = 0;
let mutationsFailed = 0;
const mutationSeconds = [];

const DATE_TIMES = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "date-times.json"), "utf8"));

// The `pattern` of the first `format: date-time` subschema (the generated one).
function findDateTimePattern(schema) {
  if (schema === null || typeof schema !== "object") return undefined;
  if (schema.format === "date-time" && typeof schema.pattern === "string") return schema.pattern;
  for (const value of Object.values(schema)) {
    const found = findDateTimePattern(value);
    if (found) return found;
  }
  return undefined;
}

function schemaFor(body) {
  const name = body?.event !== null && typeof body?.event === "object" ? body.event.name : undefined;
  return typeof name === "string" && rawSchemas.has(`${name}.schema.json`) ? `${name}.schema.json` : AGGREGATE;
}

function describe(errors) {
  if (!errors || !errors.length) return "accepted";
  const e = errors[0];
  return `rejected at ${e.instancePath || "/"}: ${e.message}`.slice(0, 240);
}

const bodies = [];
// Each folder and its verdict from the bank's one index (tests/bodies/bank.json).
const bank = JSON.parse(readFileSync(join(BODIES_DIR, "bank.json"), "utf8"));
for (const { folder, schema: expected } of bank.folders) {
  const dir = join(BODIES_DIR, folder);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) bodies.push([expected, join(dir, f)]);
}

let passed = 0;
let failed = 0;
for (const [mode, withFormats] of [["ajv-formats", true], ["no-formats", false]]) {
  const ajv = newAjv([...new Set([...EXTENSION_KEYWORDS, ...used])], withFormats);
  const loaded = new Set();
  for (const [file, schema] of rawSchemas) {
    try {
      // Stored under the file name; Ajv also registers the schema's `$id`, so cross-file
      // `$ref`s from the aggregate resolve (by `$id`, or by file name when there is no `$id`).
      ajv.addSchema(schema, file);
      loaded.add(file);
    } catch (err) {
      problems.push(`[${mode}] ${file}: rejected by Ajv: ${err.message}`);
    }
  }
  const validators = new Map();
  const validatorFor = (file) => {
    if (!loaded.has(file)) return null;
    if (!validators.has(file)) {
      try {
        validators.set(file, ajv.getSchema(file));
      } catch (err) {
        problems.push(`[${mode}] ${file}: does not compile: ${err.message}`);
        loaded.delete(file);
        return null;
      }
    }
    return validators.get(file);
  };
  // Whether the body's per-event schema and the aggregate both give `expected`; one
  // MISMATCH line per schema that does not.
  const judge = (body, expected, label) => {
    let ok = true;
    for (const file of new Set([schemaFor(body), AGGREGATE])) {
      const validate = validatorFor(file);
      if (!validate) {
        ok = false; // reported as a problem
        continue;
      }
      const got = validate(body) ? "valid" : "invalid";
      if (got !== expected) {
        ok = false;
        console.log(`MISMATCH ${label}: ${file} expected ${expected}, got ${got} (${describe(validate.errors)})`);
      }
    }
    return ok;
  };

  let bankPassed = 0;
  let bankFailed = 0;
  for (const [expected, path] of bodies) {
    const rel = relative(REPO_ROOT, path);
    let body;
    try {
      body = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      console.log(`MISMATCH ${rel}: cannot parse body: ${err.message}`);
      bankFailed++;
      continue;
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      console.log(`MISMATCH ${rel}: body is not a JSON object`);
      bankFailed++;
      continue;
    }
    if (judge(body, expected, `[${mode}] ${rel}`)) bankPassed++;
    else bankFailed++;
  }

  let datePassed = 0;
  let dateFailed = 0;
  const pattern = findDateTimePattern(rawSchemas.get(AGGREGATE));
  if (pattern === undefined) {
    problems.push("no `format: date-time` subschema with a `pattern` in the aggregate schema");
  } else {
    const check = ajv.compile({ type: "string", format: "date-time", pattern });
    for (const c of DATE_TIMES.cases) {
      if (check(c.value) === c.valid) datePassed++;
      else {
        dateFailed++;
        console.log(`MISMATCH [${mode}] date-time ${JSON.stringify(c.value)}: expected ${c.valid ? "valid" : "invalid"} (${c.why})`);
      }
    }
  }
  console.log(`${LABEL} [${mode}]: bank ${bankPassed} passed, ${bankFailed} failed; date-times ${datePassed} passed, ${dateFailed} failed`);
  passed += bankPassed + datePassed;
  failed += bankFailed + dateFailed;

  if (mutations) {
    const started = process.hrtime.bigint();
    for (const { file: bodyFile, what, valid, body } of mutations) {
      const expected = valid ? "valid" : "invalid";
      const ok = judge(body, expected, `[${mode}] mutation ${bodyFile}: ${what}`);
      mutationsChecked++;
      if (ok) passed++;
      else {
        failed++;
        mutationsFailed++;
      }
    }
    mutationSeconds.push(`${mode} ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)}s`);
  }
}
if (mutations) {
  console.log(
    `${LABEL} mutations: ${mutationsChecked} checked, ${mutationsFailed} mismatched ` +
      `(${mutations.length} mutations x 2 modes, each with its event schema and the aggregate; ${mutationSeconds.join(", ")})`,
  );
}
if (!rawSchemas.has(AGGREGATE)) problems.push(`missing aggregate schema ${join(SCHEMA_DIR, AGGREGATE)}`);

for (const w of warnings) console.log(`WARNING ajv: ${w}`);
for (const p of problems) console.log(`ERROR ${p}`);
if (bodies.length < MIN_BODIES)
  console.log(`ERROR only ${bodies.length} bodies found under ${BODIES_DIR}, expected at least ${MIN_BODIES}`);
finish(passed, failed, failed || problems.length || bodies.length < MIN_BODIES ? 1 : 0);
